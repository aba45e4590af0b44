package io.agentbox.sandbox.template;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/** Serializes work on one template name across threads (JVM lock) and processes (file lock). */
final class NameLock implements AutoCloseable {
    private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private final ReentrantLock jvmLock;
    private final FileChannel channel;
    private final FileLock fileLock;

    private NameLock(ReentrantLock jvmLock, FileChannel channel, FileLock fileLock) {
        this.jvmLock = jvmLock;
        this.channel = channel;
        this.fileLock = fileLock;
    }

    static NameLock acquire(Path dir, String name) throws IOException {
        return open(dir, name, true);
    }

    /** Null when another thread or process holds the lock. */
    static NameLock tryAcquire(Path dir, String name) throws IOException {
        return open(dir, name, false);
    }

    private static NameLock open(Path dir, String name, boolean wait) throws IOException {
        Path file = dir.resolve("." + name + ".lock");
        ReentrantLock jvm = JVM_LOCKS.computeIfAbsent(file, f -> new ReentrantLock());
        if (wait) {
            jvm.lock();
        } else if (!jvm.tryLock()) {
            return null;
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = wait ? channel.lock() : channel.tryLock();
            if (lock != null) return new NameLock(jvm, channel, lock);
            channel.close();
            jvm.unlock();
            return null;
        } catch (IOException | RuntimeException e) {
            if (channel != null) channel.close();
            jvm.unlock();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            fileLock.release();
            channel.close();
        } finally {
            jvmLock.unlock();
        }
    }
}
