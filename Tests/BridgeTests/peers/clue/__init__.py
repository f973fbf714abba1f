"""Helpers of clue_endpoint.py: SIP user agent, CLUE messages (RFC 8847), the CLUE participant, aiortc media."""
