#pragma once
// The DATA of `tenet explain` and `tenet trace`: arrays for the model's inputs and its labels,
// from an HDF5 file (tenet's layout or any h5py file with --x/--y naming its datasets), a NumPy
// .npz, or a .npy holding the one input's array (docs/cli.md, "Data files").
#include <stdexcept>
#include <string>
#include <vector>

#include <tenet/tenet.hpp>

namespace tenet::cli {

// A mistake on the command line that only the model or the file reveals (--x naming an input
// the model lacks): printed with the usage hint, exit status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct DataArgs {
  std::string path;             // --data
  std::vector<std::string> x;   // --x, each "INPUT=NAME" or "NAME" (in input order)
  std::string y;                // --y NAME
};

struct LoadedData {
  std::vector<Tensor> x;              // one per model input, in its order; undefined: no array
  std::vector<std::string> x_source;  // "image <- /train/x" for each input found
  std::vector<std::string> missing;   // model inputs with no array
  std::vector<std::string> searched;  // for each missing input, the names looked for
  std::string held;                   // the arrays DATA holds: "x (8, 4), y (8)"
  Tensor y;                           // undefined when the file has no labels
  std::string y_source;
};

// Reads the arrays; data.format / IOError from the readers pass through. A name that the file
// does not hold (an HDF5 dataset, an .npz array, a .npy file given to --x or --y) raises
// UsageError listing what the file holds.
LoadedData load_data(const DataArgs& args, const std::vector<std::string>& input_names);

}  // namespace tenet::cli
