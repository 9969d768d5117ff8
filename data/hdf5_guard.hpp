#pragma once
// Reading untrusted HDF5 files without letting libhdf5's own bugs take the program down.
//
// Fuzzing found files on which Debian's HDF5 1.10 itself crashes (a corrupt local heap makes
// H5Lvisit copy into a null buffer) or never returns (a corrupt global heap makes H5Aread
// loop). tenet cannot repair the library, so every HDF5 read runs first in a forked child
// process, which then shuts libhdf5 down (some files leave its state broken, and shutting it
// down then crashes or loops): if the child crashes, or uses more CPU time than the
// read or the shutdown can need, the file is refused with data.format and the caller's
// process is untouched; if it finishes, the caller reads the file itself, with the same
// result the child saw. Setting TENET_HDF5_IN_PROCESS=1 skips the
// child (used by the fuzzers, which isolate crashes themselves). (internal to data/)
#include <functional>
#include <string>

namespace tenet::data::detail {

// Runs `read` in a child process first (see above), then returns; the caller then reads for
// real. `kind` names the reader in messages ("HDF5 data set", "weights file").
void probe_hdf5_read(const std::string& path, const std::string& kind,
                     const std::function<void()>& read);

}  // namespace tenet::data::detail
