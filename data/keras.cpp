// tenet::keras: Keras 3 model files (see data/keras.hpp). Work in progress.
#include <tenet/data/keras.hpp>

namespace tenet::keras {

Model load_model(const std::string&) { internal_error("tenet::keras::load_model is not yet implemented"); }
void save_model(const Model&, const std::string&) {
  internal_error("tenet::keras::save_model is not yet implemented");
}
std::string model_to_json(const Model&) {
  internal_error("tenet::keras::model_to_json is not yet implemented");
}
Model model_from_json(const std::string&) {
  internal_error("tenet::keras::model_from_json is not yet implemented");
}
PartialBuild build_partial(const std::string&) {
  internal_error("tenet::keras::build_partial is not yet implemented");
}

}  // namespace tenet::keras
