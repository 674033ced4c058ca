"""notifier's settings: the common ones, the system SMTP server and the letter e-mail queue."""

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

from .smtp import Security


class NotifierSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MUTABIK_NOTIFIER_", extra="ignore")

    http_port: int = 8104

    smtp_host: str = "127.0.0.1"
    """The system SMTP server: used by every tenant that has not set its own. The default is a
    local MTA, so embedded mode sends without configuration."""
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_security: Security = Security.NONE
    smtp_username: str = ""
    """Empty: the system server is used without AUTH."""
    smtp_password: SecretStr = SecretStr("")
    smtp_sender_name: str = "Mutabık"
    smtp_sender_address: str = "mutabik@localhost"
    smtp_timeout: float = Field(30.0, gt=0)
    """Seconds to wait for each step of a conversation with any SMTP server (connect, TLS, each
    command)."""
    smtp_validate_certs: bool = True
    """Check the certificate of every SMTP server (tenants' and the system's) against the trusted
    CAs and the host name. Turn off only for a trusted network."""
    smtp_ca_file: str | None = None
    """A PEM file of CA certificates trusted instead of the system's, e.g. a company CA that
    signed the SMTP server's certificate."""

    portal_link_base: str = "http://127.0.0.1:8000/portal/letters/"
    """Where the portal shows a letter: each e-mail links to ``<portal_link_base>/<token>``, the
    token derived from the letter's id and ``secret_key`` (``shared.portal_links``)."""
    max_per_minute: int = Field(1200, ge=0)
    """At most this many letter e-mails a minute per tenant (and process), unless the tenant's
    SMTP settings say otherwise; 0: no limit."""
    send_connections: int = Field(4, ge=1, le=100)
    """SMTP sessions at once to one tenant's server."""
    send_tenants: int = Field(4, ge=1, le=1000)
    """Tenants whose e-mails are sent at once."""
    send_retry_delays: tuple[float, ...] = (60.0, 300.0, 1800.0, 7200.0)
    """Seconds before each retry of the recipients a server refused for now (4xx, no
    connection); after the last retry they count as failed."""
    send_batch_size: int = Field(500, ge=1, le=5000)
    """E-mails claimed at once; also the most reports in one ``notifier.letters.delivered``."""
    send_lease_seconds: float = Field(600.0, gt=0)
    """How long a claimed e-mail is held by its sender; a sender that died meanwhile has its
    e-mails sent again once this runs out. Must exceed the time to send one batch."""
    send_poll_seconds: float = Field(1.0, gt=0)
    """How often the sender looks for due e-mails when nothing woke it (queued ones wake it
    at once)."""
