package io.agentbox.sandbox.local;

import io.agentbox.sandbox.SandboxException;
import io.agentbox.sandbox.SandboxNotFoundException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * One connection to a sandbox's init over its control socket. Frames are
 * {@code [u32 LE payload length][u8 type][payload]}; request fields are {@code [u8 tag][u32 LE length][bytes]}.
 * The protocol is documented in {@code agentbox-init.c}. Not thread-safe for reads; writes are synchronized
 * so that stdin and kill frames may come from other threads while one thread reads.
 */
final class ControlConnection implements AutoCloseable {
    /** A frame received from init. */
    record Frame(char type, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    private final SocketChannel channel;
    private final String sandboxId;
    private final ByteBuffer header = ByteBuffer.allocate(5).order(ByteOrder.LITTLE_ENDIAN);

    private ControlConnection(SocketChannel channel, String sandboxId) {
        this.channel = channel;
        this.sandboxId = sandboxId;
    }

    static ControlConnection open(Path socket, String sandboxId) {
        try {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                ch.close();
                throw new SandboxNotFoundException(sandboxId);
            }
            return new ControlConnection(ch, sandboxId);
        } catch (IOException e) {
            throw new SandboxException("cannot reach sandbox " + sandboxId + ": " + e.getMessage(), e);
        }
    }

    /** Builds a request payload from tagged fields. */
    static final class Fields {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

        Fields add(char tag, String value) {
            return add(tag, value.getBytes(StandardCharsets.UTF_8));
        }

        Fields add(char tag, byte[] value) {
            out.write(tag);
            out.write(value.length & 0xff);
            out.write((value.length >>> 8) & 0xff);
            out.write((value.length >>> 16) & 0xff);
            out.write((value.length >>> 24) & 0xff);
            out.write(value, 0, value.length);
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    void send(char type, byte[] payload) {
        send(type, payload, 0, payload.length);
    }

    void send(char type) {
        send(type, new byte[0], 0, 0);
    }

    synchronized void send(char type, byte[] payload, int off, int len) {
        ByteBuffer h = ByteBuffer.allocate(5).order(ByteOrder.LITTLE_ENDIAN).putInt(len).put((byte) type).flip();
        try {
            ByteBuffer body = ByteBuffer.wrap(payload, off, len);
            while (h.hasRemaining() || body.hasRemaining()) channel.write(new ByteBuffer[] {h, body});
        } catch (IOException e) {
            throw lost(e);
        }
    }

    /** The next frame, or an exception if the sandbox went away mid-conversation. */
    Frame receive() {
        try {
            header.clear();
            readFully(header);
            header.flip();
            int len = header.getInt();
            char type = (char) (header.get() & 0xff);
            if (len < 0 || len > (16 << 20)) throw new SandboxException("protocol error: frame of " + len + " bytes from sandbox " + sandboxId);
            ByteBuffer body = ByteBuffer.allocate(len);
            readFully(body);
            return new Frame(type, body.array());
        } catch (IOException e) {
            throw lost(e);
        }
    }

    private void readFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) throw new IOException("connection closed");
        }
    }

    private SandboxException lost(IOException e) {
        if (Thread.currentThread().isInterrupted()) return new SandboxException("interrupted while talking to sandbox " + sandboxId, e);
        return new SandboxException("lost the connection to sandbox " + sandboxId + " (it was killed or expired)", e);
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing a unix socket cannot fail in a way that matters here
        }
    }
}
