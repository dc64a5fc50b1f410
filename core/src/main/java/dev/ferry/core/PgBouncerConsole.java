package dev.ferry.core;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * PgBouncer's admin console, spoken to directly. pgjdbc cannot log in there: it always sends startup
 * parameters (extra_float_digits) the console rejects ("SET failed"), whatever ignore_startup_parameters says.
 * The console needs only the simple query protocol, so this is that: startup, trust / cleartext / md5
 * authentication, and {@code Q} messages. Not thread-safe; one console session per instance.
 */
public final class PgBouncerConsole implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;

    private PgBouncerConsole(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
    }

    /** Logs in to {@code spec}'s host and port as its user, database {@code pgbouncer}. */
    public static PgBouncerConsole open(ConnectionSpec spec) {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(spec.host(), spec.port()), Db.CONNECT_TIMEOUT_SECONDS * 1000);
            s.setSoTimeout(0);
            PgBouncerConsole c = new PgBouncerConsole(s);
            c.login(spec);
            return c;
        } catch (IOException e) {
            close(s);
            throw new FerryException(ExitCode.SERVER, "cannot reach the PgBouncer admin console at " + spec.host() + ":"
                    + spec.port() + " (" + e.getMessage() + "); check --pgbouncer", e);
        } catch (FerryException e) {
            close(s);
            throw e;
        }
    }

    private void login(ConnectionSpec spec) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        DataOutputStream b = new DataOutputStream(body);
        b.writeInt(196608);
        for (String kv : new String[] {"user", spec.user(), "database", spec.database()}) {
            b.write(kv.getBytes(StandardCharsets.UTF_8));
            b.write(0);
        }
        b.write(0);
        out.writeInt(body.size() + 4);
        out.write(body.toByteArray());
        out.flush();
        while (true) {
            char type = (char) in.readByte();
            byte[] msg = new byte[in.readInt() - 4];
            in.readFully(msg);
            switch (type) {
                case 'R' -> authenticate(spec, msg);
                case 'E' -> throw new FerryException(ExitCode.SERVER, "the PgBouncer admin console refused user \""
                        + spec.user() + "\": " + errorText(msg) + "; list the user in admin_users");
                case 'Z' -> {
                    return;
                }
                default -> { } // ParameterStatus, BackendKeyData, notices
            }
        }
    }

    private void authenticate(ConnectionSpec spec, byte[] msg) throws IOException {
        int code = ((msg[0] & 0xff) << 24) | ((msg[1] & 0xff) << 16) | ((msg[2] & 0xff) << 8) | (msg[3] & 0xff);
        String password = spec.password() == null ? "" : spec.password();
        switch (code) {
            case 0 -> { }
            case 3 -> sendPassword(password);
            case 5 -> {
                byte[] salt = {msg[4], msg[5], msg[6], msg[7]};
                String inner = md5Hex((password + spec.user()).getBytes(StandardCharsets.UTF_8));
                byte[] outer = concat(inner.getBytes(StandardCharsets.US_ASCII), salt);
                sendPassword("md5" + md5Hex(outer));
            }
            default -> throw new FerryException(ExitCode.USAGE, "the PgBouncer admin console asks for an authentication "
                    + "method Ferry does not speak there (code " + code + ", e.g. SCRAM); give the admin user md5 or "
                    + "trust in PgBouncer's auth settings");
        }
    }

    private void sendPassword(String password) throws IOException {
        byte[] p = password.getBytes(StandardCharsets.UTF_8);
        out.writeByte('p');
        out.writeInt(p.length + 5);
        out.write(p);
        out.write(0);
        out.flush();
    }

    /** Runs one console command; returns its rows, each column as text. */
    public List<List<String>> query(String command) {
        try {
            byte[] q = command.getBytes(StandardCharsets.UTF_8);
            out.writeByte('Q');
            out.writeInt(q.length + 5);
            out.write(q);
            out.write(0);
            out.flush();
            List<List<String>> rows = new ArrayList<>();
            String error = null;
            while (true) {
                char type = (char) in.readByte();
                byte[] msg = new byte[in.readInt() - 4];
                in.readFully(msg);
                switch (type) {
                    case 'D' -> rows.add(dataRow(msg));
                    case 'E' -> error = errorText(msg);
                    case 'Z' -> {
                        if (error != null) {
                            throw new FerryException(ExitCode.SERVER, "PgBouncer " + command + " failed: " + error);
                        }
                        return rows;
                    }
                    default -> { }
                }
            }
        } catch (EOFException e) {
            throw new FerryException(ExitCode.SERVER, "PgBouncer closed the admin console during " + command, e);
        } catch (IOException e) {
            throw new FerryException(ExitCode.SERVER, "PgBouncer " + command + " failed: " + e.getMessage(), e);
        }
    }

    private static List<String> dataRow(byte[] msg) {
        int n = ((msg[0] & 0xff) << 8) | (msg[1] & 0xff);
        List<String> row = new ArrayList<>(n);
        int pos = 2;
        for (int i = 0; i < n; i++) {
            int len = ((msg[pos] & 0xff) << 24) | ((msg[pos + 1] & 0xff) << 16) | ((msg[pos + 2] & 0xff) << 8)
                    | (msg[pos + 3] & 0xff);
            pos += 4;
            if (len < 0) {
                row.add(null);
            } else {
                row.add(new String(msg, pos, len, StandardCharsets.UTF_8));
                pos += len;
            }
        }
        return row;
    }

    /** The M (message) field of an ErrorResponse. */
    private static String errorText(byte[] msg) {
        int pos = 0;
        while (pos < msg.length && msg[pos] != 0) {
            byte field = msg[pos++];
            int end = pos;
            while (end < msg.length && msg[end] != 0) {
                end++;
            }
            if (field == 'M') {
                return new String(msg, pos, end - pos, StandardCharsets.UTF_8);
            }
            pos = end + 1;
        }
        return "unknown error";
    }

    private static String md5Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    @Override
    public void close() {
        try {
            out.writeByte('X');
            out.writeInt(4);
            out.flush();
        } catch (IOException ignored) {
            // closing anyway
        }
        close(socket);
    }
}
