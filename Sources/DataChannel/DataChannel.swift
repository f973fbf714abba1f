// Placeholder: the SCTP-over-DTLS association (usrsctp, AF_CONN) lands here.
