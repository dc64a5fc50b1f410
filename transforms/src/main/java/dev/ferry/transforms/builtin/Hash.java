package dev.ferry.transforms.builtin;

import dev.ferry.transforms.Column;
import dev.ferry.transforms.TableId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Replaces a column's values (PII) by the lowercase hex SHA-256 of {@code salt} followed by the value's UTF-8
 * text: equal values stay equal (joins and counts still work), originals are not recoverable. NULL stays NULL.
 * The column becomes {@code text} unless it already is text without a length limit.
 * Same as PostgreSQL's {@code encode(sha256(convert_to(salt || value, 'UTF8')), 'hex')}.
 *
 * <pre>
 * transforms:
 *   - type: hash
 *     table: public.users
 *     column: email
 *     salt: 's3cret-pepper'   # optional
 * </pre>
 */
public final class Hash extends ValueTransform {
    private final String salt;

    public Hash(TableId table, String column, String salt) {
        super("hash", table, column);
        this.salt = salt == null ? "" : salt;
    }

    @Override
    protected Column mapColumn(Column c) {
        return c.type().equals("text") ? c : Mask.asText(c);
    }

    @Override
    protected String convert(String value) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest((salt + value).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }
}
