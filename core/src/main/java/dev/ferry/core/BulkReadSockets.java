package dev.ferry.core;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import javax.net.SocketFactory;

/**
 * Sockets for a session that reads a bulk stream (a snapshot's {@code COPY ... TO STDOUT}): pgjdbc reads its socket
 * through a fixed 8 kB buffer, one system call each, and a COPY sends one message a row, so a copy of 400 MB made
 * tens of thousands of small reads, most of them waking the thread for a few rows. A large buffer under pgjdbc's
 * takes whatever the kernel holds in one call. Named to pgjdbc by class ({@code socketFactory}), which creates the
 * socket unconnected and connects it itself; TLS and GSS layers wrap the socket as before and read through it.
 */
public final class BulkReadSockets extends SocketFactory {
    static final int BUFFER_BYTES = 256 * 1024;

    @Override
    public Socket createSocket() {
        return new BulkReadSocket();
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected(new BulkReadSocket(), host, port);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        Socket s = new BulkReadSocket();
        s.bind(new InetSocketAddress(localHost, localPort));
        return connected(s, host, port);
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        Socket s = new BulkReadSocket();
        s.connect(new InetSocketAddress(host, port));
        return s;
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        Socket s = new BulkReadSocket();
        s.bind(new InetSocketAddress(localAddress, localPort));
        s.connect(new InetSocketAddress(address, port));
        return s;
    }

    private static Socket connected(Socket s, String host, int port) throws IOException {
        s.connect(new InetSocketAddress(host, port));
        return s;
    }

    private static final class BulkReadSocket extends Socket {
        private InputStream in;

        @Override
        public synchronized InputStream getInputStream() throws IOException {
            if (in == null) {
                in = new BufferedInputStream(super.getInputStream(), BUFFER_BYTES);
            }
            return in;
        }
    }
}
