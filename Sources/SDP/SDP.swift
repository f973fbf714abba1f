/// SDP (RFC 8866) and offer/answer for CLUE calls (RFC 3264, 8848).
