package io.agentbox.server.http;

/**
 * The WebSocket side of a route. The upgrade request goes through the same authentication, rate limit
 * and error format as any request; {@link #accept} then authorizes it (an {@link ApiException} refuses
 * the upgrade with that HTTP error) and returns the connection's handler. Every text message a client
 * sends costs one token of its API key's rate limit.
 */
@FunctionalInterface
public interface WebSocketEndpoint {
    Connection accept(Call upgrade);

    /** One open socket, called on the server's threads; {@link #onMessage} calls of one socket never overlap. */
    interface Connection {
        void onOpen(Peer peer);

        void onMessage(String text);

        void onClose();
    }

    /** The client end. */
    interface Peer {
        /** Sends a text frame; false when the socket is closed. */
        boolean send(String text);

        /** Sends a ping (keeps proxies from closing an idle socket); false when closed. */
        boolean ping();

        boolean isOpen();

        void close(int code, String reason);
    }
}
