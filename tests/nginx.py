"""nginx as the tests' load balancer: Debian's binary, run as a child process with its whole
configuration, pid, logs and temp files in a folder of the test's own (no root-owned default
path is read or written), on a free port.

The configuration is the one docs/deploy.md recommends, minus TLS: an upstream of replicas,
failed deliveries passed to the next replica, every request header (the webhook secret among
them) passed through untouched.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import shutil
import signal
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.harness import free_port

CONFIG = """\
{user}worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{
    worker_connections 1024;
}}
http {{
    # Which replicas took each request and what they answered, "|" between the fields (the
    # tests read it; a request passed on lists its replicas as "a, b").
    log_format upstreams '$request_method|$uri|$status|$upstream_addr|$upstream_status';
    access_log {dir}/access.log upstreams;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;

    upstream loket {{
{servers}
        keepalive 16;
    }}

    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 1m;

        location / {{
            proxy_pass http://loket;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            # A replica that is down, dies mid-request or is draining: the delivery goes to the
            # next one. POST is retried too (non_idempotent): an update is stored once by its
            # id whichever replica gets it, so a second try cannot double it.
            proxy_next_upstream error timeout http_502 http_503 non_idempotent;
            proxy_next_upstream_tries {tries};
            proxy_connect_timeout 2s;
            proxy_read_timeout 30s;
        }}
    }}
}}
"""


def nginx_binary() -> str | None:
    """The nginx binary (Debian's package puts it in /usr/sbin, not always on PATH)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def require_nginx() -> str:
    """The binary, or the test is skipped (failed in CI, which installs it) saying why."""
    found = nginx_binary()
    if found is None:
        reason = "nginx is not installed (apt-get install nginx; .ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


class Nginx:
    """``nginx -p DIR -c DIR/nginx.conf -g 'daemon off;'`` in front of ``upstreams``."""

    def __init__(self, folder: Path, upstreams: Sequence[str], *, port: int | None = None) -> None:
        self.binary = require_nginx()
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.upstreams = list(upstreams)
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def config(self) -> str:
        # Run as root (CI's container), nginx would switch its worker to "nobody", which could
        # not write the test's temp folder: keep it as the user that runs the tests.
        user = pwd.getpwuid(os.getuid()).pw_name
        servers = "\n".join(
            f"        server {address} max_fails=1 fail_timeout=5s;" for address in self.upstreams
        )
        return CONFIG.format(
            user=f"user {user};\n" if os.getuid() == 0 else "",
            dir=self.folder,
            servers=servers,
            port=self.port,
            tries=len(self.upstreams),
        )

    async def start(self, timeout: float = 15.0) -> None:  # noqa: ASYNC109 - a polling deadline
        conf = self.folder / "nginx.conf"
        conf.write_text(self.config(), encoding="utf-8")
        args = [self.binary, "-p", str(self.folder), "-c", str(conf)]
        # -e: the log nginx writes to before it has read the configuration.
        args += ["-e", str(self.folder / "error.log")]
        check = await asyncio.create_subprocess_exec(
            *args, "-t", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        out, _ = await check.communicate()
        if check.returncode != 0:
            raise AssertionError(f"nginx refused its configuration:\n{out.decode()}")
        self.proc = await asyncio.create_subprocess_exec(
            *args,
            "-g",
            "daemon off;",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while not await self._accepts():
            if self.proc.returncode is not None:
                raise AssertionError(f"nginx exited {self.proc.returncode}:\n{self.log()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"nginx did not listen on {self.port}:\n{self.log()}")
            await asyncio.sleep(0.05)

    async def _accepts(self) -> bool:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            return False
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return True

    async def stop(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109 - passed to wait_for
        """SIGQUIT: nginx's graceful stop (finishes the requests in flight)."""
        if self.proc is None or self.proc.returncode is not None:
            return
        self.proc.send_signal(signal.SIGQUIT)
        try:
            await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()

    async def __aenter__(self) -> Nginx:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def log(self) -> str:
        path = self.folder / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def access_log(self) -> list[str]:
        path = self.folder / "access.log"
        return path.read_text(errors="replace").splitlines() if path.exists() else []

    async def wait_logged(self, lines: int, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until the access log holds at least ``lines`` requests: nginx writes a
        request's line after its answer has gone out, so a client can be ahead of it."""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.access_log()) < lines:
            assert asyncio.get_running_loop().time() < deadline, self.access_log()
            await asyncio.sleep(0.02)

    def requests(self) -> list[tuple[str, str, int, list[str], list[str]]]:
        """(method, path, status, replicas tried, their answers) of each request so far."""
        out = []
        for line in self.access_log():
            method, uri, status, upstreams, answers = line.split("|")
            out.append((method, uri, int(status), upstreams.split(", "), answers.split(", ")))
        return out
