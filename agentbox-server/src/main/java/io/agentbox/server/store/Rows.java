package io.agentbox.server.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/** Reading nullable columns into Optionals; times are stored as epoch milliseconds. */
final class Rows {
    private Rows() {}

    static Instant instant(ResultSet rs, String col) throws SQLException {
        return Instant.ofEpochMilli(rs.getLong(col));
    }

    static Optional<Instant> optInstant(ResultSet rs, String col) throws SQLException {
        long v = rs.getLong(col);
        return rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(v));
    }

    static Optional<String> optString(ResultSet rs, String col) throws SQLException {
        return Optional.ofNullable(rs.getString(col));
    }

    static Optional<Long> optLong(ResultSet rs, String col) throws SQLException {
        long v = rs.getLong(col);
        return rs.wasNull() ? Optional.empty() : Optional.of(v);
    }

    static Optional<Integer> optInt(ResultSet rs, String col) throws SQLException {
        int v = rs.getInt(col);
        return rs.wasNull() ? Optional.empty() : Optional.of(v);
    }

    static Optional<Double> optDouble(ResultSet rs, String col) throws SQLException {
        double v = rs.getDouble(col);
        return rs.wasNull() ? Optional.empty() : Optional.of(v);
    }

    static Long millis(Optional<Instant> t) {
        return t.map(Instant::toEpochMilli).orElse(null);
    }
}
