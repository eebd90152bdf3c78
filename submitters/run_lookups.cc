#include "submitters/run_lookups.h"

namespace dbtpy::submitters {

std::string RunLookups::get_or_fetch(const std::string& key,
                                     const std::function<std::string()>& fetch) {
  std::shared_ptr<Slot> slot;
  {
    std::lock_guard lock(mu_);
    auto& s = slots_[key];
    if (!s) s = std::make_shared<Slot>();
    slot = s;
  }
  std::lock_guard lock(slot->fetching);
  if (!slot->known) {
    slot->value = fetch();
    slot->known = true;
  }
  return slot->value;
}

}  // namespace dbtpy::submitters
