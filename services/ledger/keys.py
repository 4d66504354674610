"""The deployment's checkpoint key: read from LEDGER_KEY_FILE, created there on first start.

Only the workers (the ledger writer) read it. Two workers starting at once must end with one
key: the new key is written to a private temporary file and linked into place, which fails
for the second, which then reads the first one's."""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

from siaga.core.ledger.checkpoint import Signer

log = logging.getLogger("siaga.ledger")


def load_or_create(path: str | Path, origin: str) -> Signer:
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".ledger-key-")
        try:
            os.write(fd, Signer.generate(origin).to_pem())
            os.close(fd)
            os.chmod(tmp, 0o600)
            os.link(tmp, path)
            log.warning("created a new ledger signing key in %s: keep it secret and backed up; "
                        "a lost key means a new verifier key for everyone", path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return Signer.from_pem(pem=path.read_bytes(), name=origin)


def receipt_secret(signer: Signer) -> bytes:
    """Receipt codes are keyed by the deployment's private key: unguessable, and the same after
    a replay or a restart."""
    return hashlib.sha256(b"siaga receipt codes|" + signer.to_pem()).digest()
