from __future__ import annotations

import socket

import pytest

from tests.conftest import NetworkAccessError


def test_guard_refuses_public_hosts() -> None:
    with pytest.raises(NetworkAccessError):
        socket.getaddrinfo("eutils.ncbi.nlm.nih.gov", 443)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with pytest.raises(NetworkAccessError):
        sock.connect(("93.184.216.34", 80))
    sock.close()


def test_guard_allows_loopback() -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    client.connect(server.getsockname())
    client.close()
    server.close()
