"""portal's settings: the common ones, the letter page's limits and the PDF font."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

LOOPBACK_AND_PRIVATE = (
    "127.0.0.0/8",
    "::1/128",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "fc00::/7",
)


class PortalSettings(ServiceSettings):
    """The portal's settings (env prefix ``MUTABIK_PORTAL_``).

    ``secret_key`` must be the notifier's: the link token in each e-mail is derived from it
    (``shared.portal_links``) and the CSRF tokens of the answer form are signed with it.
    """

    model_config = SettingsConfigDict(env_prefix="MUTABIK_PORTAL_", extra="ignore")

    http_port: int = 8105

    business_timezone: str = "Europe/Istanbul"
    """Whose calendar says which day it is: the answer form closes when the letter's validity
    date has passed there."""
    link_lifetime_days: int = Field(90, ge=0)
    """Days after the validity date during which the link still shows the letter (and the
    answer); later the link answers the same plain 404 page as a token that never existed."""
    documents_per_page: int = Field(50, ge=1, le=1000)
    """Documents (movements, invoices) listed per page under the letter."""
    max_attachment_bytes: int = Field(10 * 1024 * 1024, ge=1024)
    """The largest file a counterparty may attach to an answer; a larger answer is refused
    while it streams in, nothing stored."""
    lookups_per_minute: int = Field(120, ge=0)
    """Letter pages (page, answer, PDF) one client IP may open per minute with a known token,
    in bursts of as many; then 429 with Retry-After. 0: no limit (a load test from one IP)."""
    unknown_lookups_per_minute: int = Field(10, ge=0)
    """Wrong or expired tokens one client IP may present per minute, in bursts of as many; then
    every letter page answers 429 to that IP until its allowance comes back. 0: no limit."""
    rate_limit_clients: int = Field(100_000, ge=100)
    """Client IPs whose allowance is remembered (least recently seen are forgotten first): bounds
    the memory a flood of addresses can take."""
    trust_forwarded_for: bool = True
    """Take the client's IP from ``X-Forwarded-For`` when the request comes from one of
    ``trusted_proxies``: behind the gateway every request comes from the gateway's address, so
    without this all visitors would share one rate-limit allowance and the IP recorded with each
    answer would be the gateway's. The address taken is the rightmost one not itself a trusted
    proxy, so a client cannot choose its address by sending the header itself."""
    trusted_proxies: tuple[str, ...] = LOOPBACK_AND_PRIVATE
    """Networks (CIDR) of the proxies allowed to say who the client is: the gateway on the same
    host (loopback) or in the same private container network."""
    page_cache_size: int = Field(2000, ge=0)
    """Letters whose rendered pages are kept in memory for the next view (a few tens of KB
    each); 0 renders every view from the database."""
    page_cache_seconds: float = Field(60.0, gt=0)
    """The longest a kept page is served without asking the database (each page a random half
    to all of it, so pages kept together are not rendered again together). A view or an answer
    in this process drops the letter's pages at once; this only bounds how long an answer given
    through another replica of the portal can go unseen on this one."""
    pdf_font: str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    """A Unicode TrueType font for the letter's PDF (Turkish letters need one); Debian and Ubuntu
    ship it in ``fonts-dejavu-core``."""
    pdf_font_bold: str = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
    """Its bold face."""
