// Same input, same bytes: compiling twice, or on another machine (different absolute paths),
// gives identical files; nothing machine- or time-dependent leaks into payloads.
#include <gtest/gtest.h>

#include "golden_cases.h"

namespace dbtpy::codegen::testing {
namespace {

TEST(Determinism, CompilingTwiceGivesIdenticalBytes) {
  for (const auto& c : golden_cases()) {
    Payload a = c.make().generate();
    Fixture moved = c.make();
    moved.model.absolute_path = "/home/elsewhere/checkout/models/marts/orders.py";
    Payload b = moved.generate();
    ASSERT_EQ(a.files.size(), b.files.size()) << c.name;
    for (size_t i = 0; i < a.files.size(); ++i) {
      EXPECT_EQ(a.files[i].name, b.files[i].name) << c.name;
      EXPECT_TRUE(a.files[i].content == b.files[i].content) << c.name << "/" << a.files[i].name;
      EXPECT_EQ(a.files[i].content.find("/project/"), std::string::npos)
          << c.name << "/" << a.files[i].name << " holds an absolute path";
    }
    EXPECT_EQ(payload_summary(a), payload_summary(b)) << c.name;
  }
}

TEST(Determinism, NoSecretFieldOrTokenReachesThePayload) {
  for (const auto& c : golden_cases()) {
    Fixture f = c.make();
    // Secrets never enter the Target; prove that whatever sits in fields named like secrets
    // is not copied into payloads either.
    f.target.fields["token"] = "dapiSECRET123456";
    f.target.fields["password"] = "hunter2-secret";
    f.target.fields["private_key_passphrase"] = "pass-secret-phrase";
    Payload p = f.generate();
    for (const auto& file : p.files) {
      EXPECT_EQ(file.content.find("dapiSECRET123456"), std::string::npos) << c.name;
      EXPECT_EQ(file.content.find("hunter2-secret"), std::string::npos) << c.name;
      EXPECT_EQ(file.content.find("pass-secret-phrase"), std::string::npos) << c.name;
    }
  }
}

}  // namespace
}  // namespace dbtpy::codegen::testing
