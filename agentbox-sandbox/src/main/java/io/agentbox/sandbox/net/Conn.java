package io.agentbox.sandbox.net;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * A blocking socket channel with a push-back buffer (bytes read to inspect a connection go back
 * before it is forwarded). Reads and writes may happen on two threads at once.
 */
final class Conn implements Closeable {
    final SocketChannel ch;
    private ByteBuffer pending = ByteBuffer.allocate(0);

    Conn(SocketChannel ch) {
        this.ch = ch;
    }

    int read(ByteBuffer dst) throws IOException {
        if (pending.hasRemaining()) {
            int n = Math.min(dst.remaining(), pending.remaining());
            ByteBuffer slice = pending.slice(pending.position(), n);
            dst.put(slice);
            pending.position(pending.position() + n);
            return n;
        }
        return ch.read(dst);
    }

    /** Puts {@code b[off..off+len)} back in front of what is still unread. */
    void unread(byte[] b, int off, int len) {
        ByteBuffer nb = ByteBuffer.allocate(len + pending.remaining());
        nb.put(b, off, len).put(pending).flip();
        pending = nb;
    }

    void write(byte[] b) throws IOException {
        write(ByteBuffer.wrap(b));
    }

    void write(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /** Reads one {@code \n}-terminated line of at most {@code max} bytes (the rest stays unread). */
    String readLine(int max) throws IOException {
        byte[] buf = new byte[max];
        int n = 0;
        while (n < max) {
            int r = read(ByteBuffer.wrap(buf, n, max - n));
            if (r < 0) throw new EOFException("connection closed before a full line");
            for (int i = n; i < n + r; i++) {
                if (buf[i] == '\n') {
                    unread(buf, i + 1, n + r - i - 1);
                    return new String(buf, 0, i, java.nio.charset.StandardCharsets.US_ASCII);
                }
            }
            n += r;
        }
        throw new IOException("line too long");
    }

    void readFully(byte[] b) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(b);
        while (bb.hasRemaining()) if (read(bb) < 0) throw new EOFException();
    }

    InputStream in() {
        return new InputStream() {
            @Override public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) return 0;
                int r = Conn.this.read(ByteBuffer.wrap(b, off, len));
                return r;
            }
        };
    }

    OutputStream out() {
        return new OutputStream() {
            @Override public void write(int b) throws IOException {
                Conn.this.write(new byte[] {(byte) b});
            }

            @Override public void write(byte[] b, int off, int len) throws IOException {
                Conn.this.write(ByteBuffer.wrap(b, off, len));
            }

            @Override public void close() throws IOException {
                shutdownOutput();
            }
        };
    }

    void shutdownOutput() {
        try {
            ch.shutdownOutput();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override public void close() {
        try {
            ch.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    /** Copies both ways until both sides are done, then closes both. */
    static void splice(Conn a, Conn b) {
        Thread t = Thread.ofVirtual().start(() -> copy(a, b));
        copy(b, a);
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        a.close();
        b.close();
    }

    private static void copy(Conn from, Conn to) {
        ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
        try {
            while (from.read(buf) >= 0) {
                buf.flip();
                to.write(buf);
                buf.clear();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            // one side failed: end both, which also wakes the other direction
            from.close();
            to.close();
        }
    }
}
