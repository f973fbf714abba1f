// libxml2's headers pull in ICU when LIBXML_ICU_ENABLED is set, and ICU's
// headers clash with Foundation's. Nothing here uses ICU, so switch it off
// before the headers that would include it.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlIO.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
