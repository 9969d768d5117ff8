// tenet-h5-reader: the helper executable that reads an HDF5 file for a multi-threaded program
// that uses tenet (data/hdf5_guard.hpp, docs/data.md "How HDF5 files are read"). tenet starts
// it with posix_spawn; it is not meant to be run by hand.
#include "data/hdf5_guard.hpp"

int main(int argc, char** argv) { return tenet::data::detail::helper_main(argc, argv); }
