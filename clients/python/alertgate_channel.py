"""A gRPC channel to alertgate that sends an API token with every call.

    channel = alertgate_channel.connect(args.address, token=args.token,
                                        tls_ca=args.tls_ca)

The token goes as "authorization: Bearer <token>" metadata, added by a
client interceptor, so it works over TLS and over plaintext to a loopback
address alike. With tls_ca (and, for servers that require client
certificates, tls_cert and tls_key) the channel uses TLS.
"""

import os

import grpc


class _BearerToken(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor,
                   grpc.StreamUnaryClientInterceptor, grpc.StreamStreamClientInterceptor):
    """Adds the token to the metadata of every call."""

    def __init__(self, token):
        self._metadata = (("authorization", f"Bearer {token}"),)

    def _with_token(self, details):
        metadata = tuple(details.metadata or ()) + self._metadata
        return details._replace(metadata=metadata)

    def intercept_unary_unary(self, continuation, details, request):
        return continuation(self._with_token(details), request)

    def intercept_unary_stream(self, continuation, details, request):
        return continuation(self._with_token(details), request)

    def intercept_stream_unary(self, continuation, details, requests):
        return continuation(self._with_token(details), requests)

    def intercept_stream_stream(self, continuation, details, requests):
        return continuation(self._with_token(details), requests)


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def add_arguments(parser):
    """The connection flags both examples take."""
    parser.add_argument("--address", default=os.environ.get("ALERTGATE_ADDRESS", "127.0.0.1:50051"))
    parser.add_argument("--token", default=os.environ.get("ALERTGATE_TOKEN", ""),
                        help="API token (default: $ALERTGATE_TOKEN)")
    parser.add_argument("--tls-ca", default="", help="PEM CA file: connect with TLS")
    parser.add_argument("--tls-cert", default="", help="PEM client certificate (mutual TLS)")
    parser.add_argument("--tls-key", default="", help="PEM key of --tls-cert")


def connect(address, token="", tls_ca="", tls_cert="", tls_key=""):
    if tls_ca:
        credentials = grpc.ssl_channel_credentials(
            root_certificates=_read(tls_ca),
            private_key=_read(tls_key) if tls_key else None,
            certificate_chain=_read(tls_cert) if tls_cert else None)
        channel = grpc.secure_channel(address, credentials)
    else:
        channel = grpc.insecure_channel(address)
    if token:
        channel = grpc.intercept_channel(channel, _BearerToken(token))
    return channel


def connect_from(args):
    return connect(args.address, args.token, args.tls_ca, args.tls_cert, args.tls_key)
