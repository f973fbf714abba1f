import CSRTP
enum MediaSecurityModule {}
