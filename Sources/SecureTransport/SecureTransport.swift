import COpenSSL

/// TLS and DTLS over OpenSSL memory BIOs, certificates and fingerprints.
enum SecureTransportModule {}
