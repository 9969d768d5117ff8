// tenet::version(): the version this library was built as (the generated <tenet/version.hpp>).
#include <tenet/version.hpp>

namespace tenet {

const char* version() { return TENET_VERSION_STRING; }

}  // namespace tenet
