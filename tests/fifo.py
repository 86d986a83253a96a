"""A FIFO with a writer waiting on it, for the tests that prove a FIFO is never opened for reading."""

from __future__ import annotations

import os
import threading
import time


class WaitingWriter:
    """A FIFO with a writer blocked in ``open`` until someone opens it for reading: ``released``
    says whether anyone did. Never hangs a test: ``close`` releases the writer itself."""

    def __init__(self, path):
        self.path = path
        os.mkfifo(path)
        self.released = threading.Event()
        self.thread = threading.Thread(target=self._write, daemon=True)
        self.thread.start()
        time.sleep(0.05)  # the writer is in open() by now

    def _write(self):
        descriptor = os.open(self.path, os.O_WRONLY)  # returns once a reader opens the FIFO
        self.released.set()
        os.close(descriptor)  # a reader sees end of file

    def close(self):
        if not self.released.is_set():
            descriptor = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
            self.thread.join(5)
            os.close(descriptor)
