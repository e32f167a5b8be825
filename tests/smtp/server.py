#!/usr/bin/env python3
"""A real SMTP server for trinhky's mail tests (aiosmtpd), delivering into a Maildir.

Options:
  --listen HOST:PORT     where to listen (required)
  --maildir DIR          where accepted messages go (created if missing)
  --cert FILE --key FILE TLS certificate and key (PEM)
  --starttls             offer STARTTLS and refuse MAIL before it (require_starttls)
  --implicit-tls         TLS from the first byte (SMTPS), instead of STARTTLS
  --user U --password P  require AUTH (PLAIN/LOGIN) with exactly these credentials
  --data-delay SECONDS   wait this long after the message data arrives, before it is stored and
                         answered with 250 (lets a test kill the client mid-dispatch)

Prints "ready HOST:PORT" on stdout once it accepts connections and runs until SIGTERM/SIGINT.
"""

import argparse
import asyncio
import mailbox
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class MaildirHandler:
    def __init__(self, maildir, delay):
        self.box = mailbox.Maildir(maildir, create=True)
        self.delay = delay
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.box.add(envelope.original_content or envelope.content)
        return "250 OK stored"


class Authenticator:
    def __init__(self, user, password):
        self.user = user.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == self.user
            and auth_data.password == self.password
        )
        # handled=False: aiosmtpd answers a failure with "535 5.7.8 Authentication credentials
        # invalid" itself.
        return AuthResult(success=ok, handled=ok)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True)
    ap.add_argument("--maildir", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--starttls", action="store_true")
    ap.add_argument("--implicit-tls", action="store_true")
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--data-delay", type=float, default=0.0)
    a = ap.parse_args()
    host, port = a.listen.rsplit(":", 1)

    context = None
    if a.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(a.cert, a.key)

    kwargs = dict(hostname=host, port=int(port), server_hostname="trinhky-test-smtp")
    if a.implicit_tls:
        kwargs["ssl_context"] = context
    elif a.starttls:
        kwargs["tls_context"] = context
        kwargs["require_starttls"] = True
    if a.user:
        kwargs["authenticator"] = Authenticator(a.user, a.password or "")
        kwargs["auth_required"] = True
        # Over implicit TLS the whole session is encrypted already.
        kwargs["auth_require_tls"] = not a.implicit_tls

    controller = Controller(MaildirHandler(a.maildir, a.data_delay), **kwargs)
    # With implicit TLS the controller's own readiness probe would need TLS too; it copes
    # (aiosmtpd >= 1.4 wraps its probe), so start() works in both modes.
    controller.start()
    print(f"ready {host}:{port}", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
