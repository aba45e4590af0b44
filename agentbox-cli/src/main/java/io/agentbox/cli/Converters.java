package io.agentbox.cli;

import io.agentbox.sandbox.Durations;
import io.agentbox.sandbox.NetworkPolicy;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.time.Duration;
import java.util.function.Function;

/** picocli converters for the shared duration and size syntax ({@code 30s 10m}, {@code 256m 1g}). */
public final class Converters {
    private Converters() {}

    // TypeConversionException makes picocli print just our message after "Invalid value for option ...".
    private static <T> T convert(String value, Function<String, T> parser) {
        try {
            return parser.apply(value);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }

    public static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            Duration d = Converters.convert(value, Durations::parse);
            if (d.isZero()) throw new TypeConversionException("duration must be positive, got '" + value + "'");
            return d;
        }
    }

    /** A size such as {@code 256m} or {@code 1g}, in MiB. */
    public static final class SizeMbConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return Converters.convert(value, Durations::parseSizeMb);
        }
    }

    /** A size such as {@code 10m} or {@code 1g}, in bytes; {@code 0} is allowed (callers read it as "no limit"). */
    public static final class SizeBytesConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return Converters.convert(value, Durations::parseSize);
        }
    }

    public static final class NetworkConverter implements ITypeConverter<NetworkPolicy> {
        @Override
        public NetworkPolicy convert(String value) {
            return Converters.convert(value, NetworkPolicy::parse);
        }
    }
}
