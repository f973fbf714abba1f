// pkg-config passes -DINET -DINET6; define them here too so the header's
// address structures are the ones the library was built with.
#ifndef INET
#define INET 1
#endif
#ifndef INET6
#define INET6 1
#endif
#include <usrsctp.h>
