"""Row-level access (the templates' MutabakatSorumluEmail, "dinamik yetkilendirme").

An operator key issued for a user e-mail sees and works on only the counterparties whose
MutabakatSorumluEmail is that address. Admin and ERP keys, and operator keys not tied to a user
(a shared desk key), see every counterparty of the tenant.
"""

from __future__ import annotations

from shared.auth import Principal, Role
from shared.errors import Forbidden


def responsible_email(principal: Principal) -> str | None:
    """The e-mail whose counterparties are all ``principal`` may see; None when it sees all."""
    if principal.role is Role.OPERATOR and principal.user_email:
        return principal.user_email.strip().lower()
    return None


def check_whole_tenant(principal: Principal) -> None:
    """Imports change every counterparty's data, so a key limited to some may not run them."""
    if responsible_email(principal) is not None:
        raise Forbidden(
            "This key works only on the counterparties its user is responsible for; imports "
            "take the ERP's whole data. Use an ERP or admin key."
        )
