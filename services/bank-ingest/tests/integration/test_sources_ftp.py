"""The FTP source beyond the shared contract, against a real FTP server on loopback: what happens
to imported files on the server, and every way a connection fails."""

from __future__ import annotations

import ftplib
import io
import logging
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from bank_ingest.adapters.sources import FtpSource, FtpSourceSettings, SourceError, open_source
from bank_ingest.adapters.sources import ftp as ftp_module
from bank_ingest.adapters.sources.testing import LoopbackFtp, serve_ftp


@pytest.fixture(autouse=True)
def no_server_left_running() -> Iterator[None]:
    yield
    assert not [t for t in threading.enumerate() if t.name == "loopback-ftp"]


@pytest.fixture(params=[True, False], ids=["mlsd", "without-mlsd"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LoopbackFtp]:
    home = tmp_path / "home"
    home.mkdir()
    with serve_ftp(home, mlsd=request.param) as running:
        yield running


def contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


async def import_all(settings: FtpSourceSettings, *, ok: bool = True) -> list[str]:
    async with open_source(settings) as source:
        files = await source.list_new(seen=set())
        for remote in files:
            await source.fetch(remote, io.BytesIO())
            await source.done(remote, ok=ok)
    return [f.name for f in files]


async def test_keep_leaves_imported_files_on_the_server(server: LoopbackFtp) -> None:
    (server.home / "a.sta").write_bytes(b"a")

    assert await import_all(server.settings()) == ["a.sta"]

    assert (server.home / "a.sta").read_bytes() == b"a"


async def test_delete_removes_imported_files_only(server: LoopbackFtp) -> None:
    (server.home / "a.sta").write_bytes(b"a")

    await import_all(server.settings(after_import="delete"), ok=False)
    assert (server.home / "a.sta").exists()

    await import_all(server.settings(after_import="delete"), ok=True)
    assert not (server.home / "a.sta").exists()


async def test_move_renames_into_the_folder_and_never_over_a_file(server: LoopbackFtp) -> None:
    (server.home / "out").mkdir()
    (server.home / "daily.sta").write_bytes(b"wednesday")
    settings = server.settings(directory="/out", after_import="move", move_to="/archive")

    (server.home / "out" / "daily.sta").write_bytes(b"monday")
    await import_all(settings, ok=False)
    assert (server.home / "out" / "daily.sta").exists()
    assert not (server.home / "archive").exists()

    await import_all(settings)
    (server.home / "out" / "daily.sta").write_bytes(b"tuesday")
    await import_all(settings)

    assert contents(server.home / "archive") == {"daily.sta": b"monday", "daily_1.sta": b"tuesday"}
    assert contents(server.home / "out") == {}


async def test_move_to_a_relative_folder_is_inside_the_directory(server: LoopbackFtp) -> None:
    (server.home / "out").mkdir()
    (server.home / "out" / "a.sta").write_bytes(b"a")

    await import_all(server.settings(directory="/out", after_import="move", move_to="done"))

    assert (server.home / "out" / "done" / "a.sta").read_bytes() == b"a"


async def test_a_wrong_password_is_refused_without_showing_it(
    server: LoopbackFtp, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "Wr0ng-P4ss-Do-Not-Print"
    caplog.set_level(logging.DEBUG)

    with pytest.raises(SourceError) as raised:
        async with open_source(server.settings(password=SecretStr(wrong))):
            pass

    error = raised.value
    assert str(error) == f"FTP login refused for user 'bank' at 127.0.0.1:{server.port}"
    shown = [str(error), repr(error), str(error.__cause__), str(error.__context__), caplog.text]
    assert not [text for text in shown if wrong in text]


async def test_nothing_listening_is_connection_refused() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = FtpSourceSettings(host="127.0.0.1", port=port, username="u", password=SecretStr("p"))

    with pytest.raises(SourceError, match=f"connection refused by 127.0.0.1:{port}"):
        async with open_source(settings):
            pass


async def test_an_unknown_host_is_named() -> None:
    settings = FtpSourceSettings(
        host="ftp.no-such-bank.invalid", username="u", password=SecretStr("p")
    )

    with pytest.raises(SourceError, match="cannot find FTP host 'ftp.no-such-bank.invalid'"):
        async with open_source(settings):
            pass


async def test_a_silent_server_times_out() -> None:
    with socket.socket() as silent:  # accepts connections (backlog) but never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        settings = FtpSourceSettings(
            host="127.0.0.1", port=port, username="u", password=SecretStr("p"), timeout_seconds=0.3
        )
        with pytest.raises(SourceError, match="did not answer within 0.3 s while connecting"):
            async with open_source(settings):
                pass


async def test_a_server_stopped_mid_session_is_a_source_error(server: LoopbackFtp) -> None:
    (server.home / "a.sta").write_bytes(b"a")

    async with open_source(server.settings()) as source:
        [remote] = await source.list_new(seen=set())
        server.stop()
        with pytest.raises(SourceError, match="closed the connection while fetching a.sta"):
            await source.fetch(remote, io.BytesIO())


async def test_tls_asked_of_a_server_without_it_is_refused(server: LoopbackFtp) -> None:
    with pytest.raises(SourceError, match="does not offer TLS"):
        async with open_source(server.settings(tls=True)):
            pass


async def test_the_source_works_only_inside_async_with(server: LoopbackFtp) -> None:
    with pytest.raises(RuntimeError, match="async with"):
        await FtpSource(server.settings()).list_new(seen=set())


def test_settings_hide_the_password_and_need_a_folder_to_move_to() -> None:
    settings = FtpSourceSettings(host="h", username="u", password=SecretStr("Top-Secret-1"))

    assert "Top-Secret-1" not in repr(settings)
    assert "Top-Secret-1" not in settings.model_dump_json()
    assert settings.password.get_secret_value() == "Top-Secret-1"
    with pytest.raises(ValidationError, match="move_to"):
        FtpSourceSettings(host="h", username="u", password=SecretStr("p"), after_import="move")


def test_settings_document_themselves_for_the_api() -> None:
    properties = FtpSourceSettings.model_json_schema()["properties"]

    assert all(spec.get("description") for spec in properties.values())
    assert properties["host"]["examples"] == ["ftp.bank.com.tr"]


@pytest.mark.parametrize("verify", [True, False])
def test_ftps_checks_the_certificate_unless_told_not_to(verify: bool) -> None:
    settings = FtpSourceSettings(
        host="h", username="u", password=SecretStr("p"), tls=True, tls_verify=verify
    )

    client = ftp_module._client(settings)

    assert isinstance(client, ftplib.FTP_TLS)
    assert client.context.check_hostname is verify
    assert client.context.verify_mode == (ssl.CERT_REQUIRED if verify else ssl.CERT_NONE)
