"""A bare IMAP client on a connected (TLS) socket, for what imaplib cannot do: IDLE (Python
3.11 has none) and LITERAL+ literals in one write (MULTIAPPEND)."""


class LineClient:
    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""
        self.serial = 0

    def send(self, line):
        self.sock.sendall(line.encode() + b"\r\n")

    def line(self):
        while b"\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError("server closed the connection")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line.decode("utf-8", "replace")

    def until_tagged(self, tag):
        """Every line up to and including the one tagged `tag`."""
        lines = []
        while True:
            line = self.line()
            lines.append(line)
            if line.startswith(tag + " "):
                return lines

    def command(self, text, literals=()):
        """`text` with one "{}" per literal, replaced by its "{N+}" announcement (LITERAL+,
        RFC 7888) and octets, under a fresh tag. Returns (untagged lines, tagged line)."""
        self.serial += 1
        tag = f"t{self.serial}"
        pieces = text.split("{}")
        if len(pieces) != len(literals) + 1:
            raise ValueError("one {} per literal")
        data = f"{tag} {pieces[0]}".encode()
        for literal, after in zip(literals, pieces[1:]):
            data += f"{{{len(literal)}+}}\r\n".encode() + literal + after.encode()
        self.sock.sendall(data + b"\r\n")
        lines = self.until_tagged(tag)
        return lines[:-1], lines[-1]
