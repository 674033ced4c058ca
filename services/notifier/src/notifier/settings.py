"""notifier's settings: the common ones plus the system SMTP server."""

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
