#pragma once
// The one CSV format of per-epoch logs, written by CSVLogger and by write_history_csv
// (data/report): a header "epoch,<keys...>" (RFC 4180 quoting), then one row per epoch with the
// epoch counted from 1 as the progress line ("Epoch 1/5") and ModelCheckpoint's {epoch} count
// it, each value in the shortest form that reads back to the same double ("0.1", "nan",
// "inf"), and "NA" for a key the epoch did not log (Keras's CSVLogger writes "NA" too).
// Not public API.
#include <optional>
#include <string>
#include <vector>

namespace tenet::csv_rows {

std::string header(const std::vector<std::string>& keys, char separator = ',');
// `epoch` as History holds it (from 0); written from 1.
std::string row(int epoch, const std::vector<std::optional<double>>& values, char separator = ',');

}  // namespace tenet::csv_rows
