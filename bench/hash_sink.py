"""The ingest benchmark's floor (bench/photos_ingest.sh): an HTTP/1.1 server that answers every
upload with 201 after reading its body and hashing it with SHA-256, and stores nothing. What it
takes to receive and hash 1 GB from curl on this machine is the least any content-addressed
store can take here, before writing a byte.

    python3 bench/hash_sink.py PORT
"""

import hashlib
import socket
import sys
import threading

BUFFER_BYTES = 1 << 20


def read_head(connection, pending):
    """The request's head and whatever of the body came with it; None when the client left."""
    while b"\r\n\r\n" not in pending:
        data = connection.recv(65536)
        if not data:
            return None
        pending += data
    return pending.split(b"\r\n\r\n", 1)


def content_length(head):
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


def serve(connection):
    buffer = bytearray(BUFFER_BYTES)
    view = memoryview(buffer)
    pending = b""
    with connection:
        while (parts := read_head(connection, pending)) is not None:
            head, body = parts
            if b"100-continue" in head.lower():
                connection.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            length = content_length(head)
            digest = hashlib.sha256(body[:length])
            received, pending = len(body[:length]), body[length:]
            while received < length:
                count = connection.recv_into(view, min(BUFFER_BYTES, length - received))
                if count == 0:
                    return
                digest.update(view[:count])
                received += count
            answer = digest.hexdigest().encode()
            connection.sendall(b"HTTP/1.1 201 Created\r\nContent-Length: %d\r\n\r\n%s" % (len(answer), answer))


def main():
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", int(sys.argv[1])))
    listener.listen(16)
    while True:
        connection, _ = listener.accept()
        threading.Thread(target=serve, args=(connection,), daemon=True).start()


if __name__ == "__main__":
    main()
