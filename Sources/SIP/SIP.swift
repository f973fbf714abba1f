/// SIP (RFC 3261): message model, transactions, dialogs, digest authentication. Being written.
public enum SIPModule {}
