package io.agentbox.sandbox.e2b;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;

/**
 * The envelope framing of Connect server streams ({@code application/connect+json}): one flag byte,
 * a 4-byte big-endian length, then the JSON message. Flag {@link #END_STREAM} marks the last frame,
 * which carries {@code {}} or {@code {"error": {...}}}. Both sides of agentbox's E2B support (the
 * provider and the server's envd) use this one codec.
 */
public final class ConnectFrames {
    public static final int MESSAGE = 0x00;
    public static final int COMPRESSED = 0x01;
    public static final int END_STREAM = 0x02;
    /** Larger frames are refused: nothing the envd protocol sends comes close (output arrives in 32 KiB reads). */
    public static final int MAX_FRAME = 64 << 20;

    public record Frame(int flags, byte[] payload) {
        public boolean endStream() {
            return (flags & END_STREAM) != 0;
        }
    }

    private ConnectFrames() {}

    public static byte[] encode(int flags, byte[] payload) {
        byte[] out = new byte[5 + payload.length];
        out[0] = (byte) flags;
        out[1] = (byte) (payload.length >>> 24);
        out[2] = (byte) (payload.length >>> 16);
        out[3] = (byte) (payload.length >>> 8);
        out[4] = (byte) payload.length;
        System.arraycopy(payload, 0, out, 5, payload.length);
        return out;
    }

    public static void write(OutputStream out, int flags, byte[] payload) throws IOException {
        out.write(encode(flags, payload));
        out.flush();
    }

    /** The next frame, or empty at a clean end of the stream (no partial header). */
    public static Optional<Frame> read(InputStream in) throws IOException {
        int flags = in.read();
        if (flags < 0) return Optional.empty();
        byte[] len = in.readNBytes(4);
        if (len.length < 4) throw new EOFException("truncated Connect frame header");
        int n = ((len[0] & 0xff) << 24) | ((len[1] & 0xff) << 16) | ((len[2] & 0xff) << 8) | (len[3] & 0xff);
        if (n < 0 || n > MAX_FRAME) throw new IOException("Connect frame of " + n + " bytes is too large");
        if ((flags & COMPRESSED) != 0) throw new IOException("compressed Connect frames are not supported");
        byte[] payload = in.readNBytes(n);
        if (payload.length < n) throw new EOFException("truncated Connect frame");
        return Optional.of(new Frame(flags, payload));
    }
}
