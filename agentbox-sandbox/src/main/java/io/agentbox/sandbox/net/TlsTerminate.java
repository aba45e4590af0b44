package io.agentbox.sandbox.net;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * The server side of TLS over a sandbox connection (whose ClientHello was already sniffed and pushed
 * back), with the sandbox CA's certificate for the host. HTTP/1.1 only (ALPN), so every request head
 * can be rewritten. Reads and writes may run on two threads at once (SSLEngine allows it).
 */
final class TlsTerminate implements HttpForward.Stream {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    private final Conn c;
    private final SSLEngine engine;
    private final Object readLock = new Object();
    private final Object writeLock = new Object();
    private ByteBuffer netIn;
    private ByteBuffer appIn;
    private ByteBuffer netOut;

    private TlsTerminate(Conn c, SSLEngine engine) {
        this.c = c;
        this.engine = engine;
        netIn = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize()).flip();
        netOut = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
    }

    static TlsTerminate handshake(Conn c, SSLContext ctx) throws IOException {
        SSLEngine e = ctx.createSSLEngine();
        e.setUseClientMode(false);
        SSLParameters p = e.getSSLParameters();
        p.setApplicationProtocols(new String[] {"http/1.1"});
        e.setSSLParameters(p);
        TlsTerminate t = new TlsTerminate(c, e);
        e.beginHandshake();
        while (true) {
            switch (e.getHandshakeStatus()) {
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    synchronized (t.readLock) {
                        if (!t.unwrapOnce()) throw new EOFException("the client ended the TLS handshake");
                    }
                }
                case NEED_WRAP -> t.wrap(EMPTY);
                case NEED_TASK -> t.tasks();
                default -> { return t; }
            }
        }
    }

    private void tasks() {
        Runnable r;
        while ((r = engine.getDelegatedTask()) != null) r.run();
    }

    /** One unwrap step (more bytes read when needed); false at the end of the stream. */
    private boolean unwrapOnce() throws IOException {
        netIn.flip();
        appIn.compact();
        SSLEngineResult r;
        try {
            r = engine.unwrap(netIn, appIn);
        } finally {
            netIn.compact();
            appIn.flip();
        }
        switch (r.getStatus()) {
            case BUFFER_UNDERFLOW -> {
                if (!netIn.hasRemaining()) netIn = grow(netIn, engine.getSession().getPacketBufferSize());
                return c.read(netIn) >= 0;
            }
            case BUFFER_OVERFLOW -> {
                ByteBuffer bigger = ByteBuffer.allocate(appIn.capacity() + engine.getSession().getApplicationBufferSize());
                bigger.put(appIn).flip();
                appIn = bigger;
                return true;
            }
            case CLOSED -> { return false; }
            default -> {
                if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) tasks();
                if (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP) wrap(EMPTY); // post-handshake (key update)
                return true;
            }
        }
    }

    private static ByteBuffer grow(ByteBuffer writeMode, int by) {
        ByteBuffer b = ByteBuffer.allocate(writeMode.capacity() + by);
        writeMode.flip();
        b.put(writeMode);
        return b;
    }

    private void wrap(ByteBuffer src) throws IOException {
        synchronized (writeLock) {
            do {
                netOut.clear();
                SSLEngineResult r = engine.wrap(src, netOut);
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                    netOut = ByteBuffer.allocate(netOut.capacity() * 2);
                    continue;
                }
                netOut.flip();
                c.write(netOut);
                if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) tasks();
                if (r.getStatus() == SSLEngineResult.Status.CLOSED) return;
            } while (src.hasRemaining());
        }
    }

    @Override public InputStream in() {
        return new InputStream() {
            @Override public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) return 0;
                synchronized (readLock) {
                    while (!appIn.hasRemaining()) {
                        try {
                            if (!unwrapOnce()) return -1;
                        } catch (SSLException e) {
                            throw new IOException(e.getMessage(), e);
                        }
                    }
                    int n = Math.min(len, appIn.remaining());
                    appIn.get(b, off, n);
                    return n;
                }
            }
        };
    }

    @Override public OutputStream out() {
        return new OutputStream() {
            @Override public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override public void write(byte[] b, int off, int len) throws IOException {
                wrap(ByteBuffer.wrap(b, off, len));
            }
        };
    }

    @Override public void shutdownOutput() {
        engine.closeOutbound();
        try {
            wrap(EMPTY);
        } catch (IOException e) {
            // the client is gone
        }
        c.shutdownOutput();
    }

    @Override public void close() {
        c.close();
    }
}
