"""Every word the page and the PDF show, in Turkish and English.

Turkish follows the words the counterparty's accountant knows from the e-Mutabakat screens
("Evet, mutabıkız", "Hayır, mutabık değiliz", "geçerlilik tarihi"). Placeholders are filled
with :meth:`str.format`; the template escapes the result.
"""

from __future__ import annotations

from typing import Literal

Language = Literal["tr", "en"]
LANGUAGES: tuple[Language, ...] = ("tr", "en")

_TR = {
    "language_name": "Türkçe",
    "skip": "İçeriğe geç",
    "answered_at": "Yanıt zamanı",
    "answered_by_label": "Yanıtlayan",
    "answered_title_label": "Ünvanı",
    "language_nav": "Dil",
    "switch_to": "English",
    "page_title": "Mutabakat mektubu",
    "heading_balance": "Cari hesap mutabakatı",
    "heading_babs": "Form Ba / Form Bs mutabakatı",
    "sender": "Gönderen firma",
    "recipient": "Alıcı firma",
    "tax_office": "Vergi dairesi",
    "tax_id": "Vergi numarası",
    "account_code": "Cari hesap kodu",
    "kind_balance": "{date} tarihli cari hesap bakiyesi",
    "summary_balance": "Bakiye",
    "summary_babs": "Bildirilecek tutarlar",
    "kind_babs": "{period} dönemi Form Ba / Form Bs bildirimi",
    "balance_intro": "Kayıtlarımıza göre {date} tarihi itibarıyla hesabınızın bakiyesi:",
    "babs_intro": "{period} dönemi için bildireceğimiz belgeler (KDV hariç, TL):",
    "currency": "Para birimi",
    "amount": "Tutar",
    "side": "Bakiye yönü",
    "in_try": "TL karşılığı",
    "side_note": "Borç: bize borçlusunuz. Alacak: size borçluyuz.",
    "form": "Form",
    "form_ba": "Form Ba (sizden alışlarımız)",
    "form_bs": "Form Bs (size satışlarımız)",
    "document_count": "Belge sayısı",
    "total": "Toplam (KDV hariç)",
    "valid_until": "Geçerlilik tarihi",
    "valid_until_note": "Bu tarihe kadar yanıtlayabilirsiniz.",
    "documents": "Belgeler",
    "documents_none": "Bu mektupta listelenen belge yok.",
    "documents_page": "Sayfa {page} / {pages} ({count} belge)",
    "date": "Tarih",
    "document_no": "Belge no",
    "description": "Açıklama",
    "debit": "Borç",
    "credit": "Alacak",
    "net": "Matrah (KDV hariç)",
    "previous": "Önceki sayfa",
    "next": "Sonraki sayfa",
    "pagination": "Belge sayfaları",
    "download_pdf": "Mektubu PDF olarak indir",
    "answer_heading": "Yanıtınız",
    "answer_intro": "Kayıtlarınız yukarıdaki tutarlarla uyuşuyorsa “Evet, mutabıkız”ı, "
    "uyuşmuyorsa açıklama yazarak “Hayır, mutabık değiliz”i seçin.",
    "agree": "Evet, mutabıkız",
    "disagree": "Hayır, mutabık değiliz",
    "reason": "Açıklama",
    "reason_hint": "Mutabık değilseniz zorunlu: farkın nedenini yazın.",
    "their_balance": "Sizin kayıtlarınızdaki bakiye",
    "their_balance_hint": "İsteğe bağlı, {currency} olarak; örnek: 1.234,56",
    "answered_by": "Adınız soyadınız",
    "answered_title": "Ünvanınız / göreviniz",
    "attachment": "Dosya ekle",
    "attachment_hint": "İsteğe bağlı: PDF, XLSX, PNG veya JPEG, en çok {size}.",
    "optional": "isteğe bağlı",
    "required": "zorunlu",
    "errors_heading": "Yanıtınız kaydedilmedi. Lütfen şunları düzeltin:",
    "error_choice": "“Evet, mutabıkız” ya da “Hayır, mutabık değiliz” düğmesini seçin.",
    "error_reason": "Mutabık değilseniz açıklama yazmanız gerekir.",
    "error_name": "Adınızı ve soyadınızı yazın.",
    "error_balance": "Bakiye bir tutar olmalı, örneğin 1.234,56.",
    "error_too_long": "{field} en çok {limit} karakter olabilir.",
    "error_file_type": "Dosya türü kabul edilmiyor: yalnızca PDF, XLSX, PNG ve JPEG dosyaları "
    "eklenebilir.",
    "error_file_empty": "Eklenen dosya boş.",
    "error_file_too_large": "Dosya çok büyük: en çok {size} eklenebilir.",
    "error_file_again": "Dosyayı yeniden seçmeniz gerekir.",
    "answered_heading": "Bu mektup yanıtlandı",
    "answered_line": "{when} tarihinde {who} tarafından yanıtlandı.",
    "answer_given": "Yanıt",
    "answer_agreed": "Evet, mutabıkız",
    "answer_disagreed": "Hayır, mutabık değiliz",
    "attached_file": "Eklenen dosya",
    "already_answered": "Bu mektup daha önce yanıtlandı; yeni yanıtınız kaydedilmedi.",
    "thank_you": "Teşekkür ederiz, yanıtınız kaydedildi.",
    "closed_heading": "Yanıt süresi doldu",
    "closed_text": "Bu mutabakatın geçerlilik tarihi ({date}) geçtiği için yanıt artık kabul "
    "edilmiyor. Bir sorunuz varsa lütfen {sender} ile iletişime geçin. Mektubu bu sayfada "
    "görebilir ve PDF olarak indirebilirsiniz.",
    "not_found_title": "Sayfa bulunamadı",
    "not_found_text": "Bu bağlantı geçerli değil ya da süresi dolmuş. Bağlantıyı e-postadan "
    "eksiksiz kopyaladığınızdan emin olun; sorun sürerse mektubu gönderen firmaya başvurun.",
    "too_many_title": "Çok fazla deneme",
    "too_many_text": "Bu adresten kısa sürede çok fazla istek geldi. Lütfen {seconds} saniye "
    "sonra yeniden deneyin.",
    "forbidden_title": "Form doğrulanamadı",
    "forbidden_text": "Yanıtınız kaydedilmedi: form bu sayfadan gönderilmemiş ya da süresi "
    "geçmiş. Lütfen mektubu yeniden açıp tekrar deneyin.",
    "back_to_letter": "Mektuba dön",
    "too_large_title": "Dosya çok büyük",
    "bad_form_title": "Form okunamadı",
    "bad_form_text": "Gönderilen form okunamadı. Lütfen mektubu yeniden açıp tekrar deneyin.",
    "pdf_unavailable_title": "PDF şu anda hazırlanamıyor",
    "pdf_unavailable_text": "Mektubun PDF'i şu anda hazırlanamıyor; mektubu bu sayfada "
    "görebilir ve yazdırabilirsiniz. Sistem yöneticisi için: {detail}",
    "server_error_title": "Bir hata oluştu",
    "server_error_text": "İsteğiniz işlenemedi. Lütfen biraz sonra yeniden deneyin.",
    "note": "Not",
    "pdf_generated": "Bu belge {when} tarihinde Mutabık portalından alınmıştır.",
    "page_of": "Sayfa {page}/{pages}",
}

_EN = {
    "language_name": "English",
    "skip": "Skip to content",
    "answered_at": "Answered at",
    "answered_by_label": "Answered by",
    "answered_title_label": "Position",
    "language_nav": "Language",
    "switch_to": "Türkçe",
    "page_title": "Reconciliation letter",
    "heading_balance": "Account balance confirmation",
    "heading_babs": "Form Ba / Form Bs confirmation",
    "sender": "From",
    "recipient": "To",
    "tax_office": "Tax office",
    "tax_id": "Tax number",
    "account_code": "Account code",
    "kind_balance": "Account balance at {date}",
    "summary_balance": "Balance",
    "summary_babs": "Amounts to be declared",
    "kind_babs": "Form Ba / Form Bs for {period}",
    "balance_intro": "According to our books, your account stood as follows at {date}:",
    "babs_intro": "The documents we will declare for {period} (excluding VAT, TRY):",
    "currency": "Currency",
    "amount": "Amount",
    "side": "Side",
    "in_try": "In TRY",
    "side_note": "Debit: you owe us. Credit: we owe you.",
    "form": "Form",
    "form_ba": "Form Ba (our purchases from you)",
    "form_bs": "Form Bs (our sales to you)",
    "document_count": "Documents",
    "total": "Total (excluding VAT)",
    "valid_until": "Valid until",
    "valid_until_note": "You can answer until this date.",
    "documents": "Documents",
    "documents_none": "This letter lists no documents.",
    "documents_page": "Page {page} of {pages} ({count} documents)",
    "date": "Date",
    "document_no": "Document no",
    "description": "Description",
    "debit": "Debit",
    "credit": "Credit",
    "net": "Net (excluding VAT)",
    "previous": "Previous page",
    "next": "Next page",
    "pagination": "Document pages",
    "download_pdf": "Download the letter as PDF",
    "answer_heading": "Your answer",
    "answer_intro": "If your books show the amounts above, choose “Yes, we agree”; if not, "
    "write the reason and choose “No, we do not agree”.",
    "agree": "Yes, we agree",
    "disagree": "No, we do not agree",
    "reason": "Reason",
    "reason_hint": "Required if you do not agree: what is the difference?",
    "their_balance": "The balance in your books",
    "their_balance_hint": "Optional, in {currency}; for example 1234.56",
    "answered_by": "Your name",
    "answered_title": "Your position",
    "attachment": "Attach a file",
    "attachment_hint": "Optional: PDF, XLSX, PNG or JPEG, up to {size}.",
    "optional": "optional",
    "required": "required",
    "errors_heading": "Your answer was not saved. Please correct the following:",
    "error_choice": "Choose “Yes, we agree” or “No, we do not agree”.",
    "error_reason": "Please give the reason why you do not agree.",
    "error_name": "Please give your name.",
    "error_balance": "The balance must be an amount, for example 1234.56.",
    "error_too_long": "{field} can be at most {limit} characters.",
    "error_file_type": "This kind of file is not accepted: only PDF, XLSX, PNG and JPEG files "
    "can be attached.",
    "error_file_empty": "The attached file is empty.",
    "error_file_too_large": "The file is too large: at most {size} can be attached.",
    "error_file_again": "Please choose the file again.",
    "answered_heading": "This letter has been answered",
    "answered_line": "Answered by {who} on {when}.",
    "answer_given": "Answer",
    "answer_agreed": "Yes, we agree",
    "answer_disagreed": "No, we do not agree",
    "attached_file": "Attached file",
    "already_answered": "This letter was answered before; your new answer was not saved.",
    "thank_you": "Thank you, your answer has been saved.",
    "closed_heading": "The time to answer has passed",
    "closed_text": "This confirmation was valid until {date}, so answers are no longer "
    "accepted. If you have a question, please contact {sender}. You can still read the letter "
    "on this page and download it as PDF.",
    "not_found_title": "Page not found",
    "not_found_text": "This link is not valid or has expired. Make sure you copied the whole "
    "link from the e-mail; if it still does not work, please contact the firm that sent it.",
    "too_many_title": "Too many attempts",
    "too_many_text": "Too many requests came from your address in a short time. Please try "
    "again in {seconds} seconds.",
    "forbidden_title": "The form could not be verified",
    "forbidden_text": "Your answer was not saved: the form was not sent from this page or has "
    "expired. Please open the letter again and retry.",
    "back_to_letter": "Back to the letter",
    "too_large_title": "File too large",
    "bad_form_title": "The form could not be read",
    "bad_form_text": "The form could not be read. Please open the letter again and retry.",
    "pdf_unavailable_title": "The PDF cannot be made right now",
    "pdf_unavailable_text": "The letter's PDF cannot be made right now; you can read and print "
    "the letter on its page. For the system administrator: {detail}",
    "server_error_title": "Something went wrong",
    "server_error_text": "Your request could not be handled. Please try again a little later.",
    "note": "Note",
    "pdf_generated": "Downloaded from the Mutabık portal on {when}.",
    "page_of": "Page {page}/{pages}",
}

WORDS: dict[Language, dict[str, str]] = {"tr": _TR, "en": _EN}


def language_of(value: str | None, default: str = "tr") -> Language:
    """``tr`` or ``en`` from a query parameter or a letter; anything else falls back."""
    for candidate in (value, default):
        if candidate in LANGUAGES:
            return candidate  # type: ignore[return-value]
    return "tr"


def file_size(size: int, *, language: Language = "tr") -> str:
    """``10 MB``, ``512 KB``; Turkish writes a decimal comma (``1,5 MB``)."""
    if size >= 1024 * 1024:
        value, unit = size / (1024 * 1024), "MB"
    else:
        value, unit = max(size / 1024, 0.1), "KB"
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{text.replace('.', ',') if language == 'tr' else text} {unit}"
