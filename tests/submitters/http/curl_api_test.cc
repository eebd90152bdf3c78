#include "submitters/http/curl_api.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace dbtpy::submitters::http {
namespace {

// The diagnostic a failed load produces; fails the test when the load does not throw Error.
Diagnostic load_error(const std::string& library) {
  try {
    load_curl_api(library);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kRuntime);
    EXPECT_EQ(e.diagnostics().size(), 1u);
    if (!e.diagnostics().empty()) return e.diagnostics().front();
  }
  ADD_FAILURE() << "loading " << library << " did not throw dbtpy::Error";
  return {};
}

TEST(CurlApiTest, AMissingLibraryIsAClearErrorNamingItAndThePackage) {
  Diagnostic d = load_error("libdbtpy-test-no-such-curl.so.4");
  EXPECT_EQ(d.code, "DBTPY409");
  EXPECT_NE(d.message.find("cannot load libdbtpy-test-no-such-curl.so.4"), std::string::npos)
      << d.message;
  EXPECT_NE(d.message.find("HTTP"), std::string::npos) << d.message;
  EXPECT_NE(d.hint.find("apt-get install libcurl4"), std::string::npos) << d.hint;
}

TEST(CurlApiTest, ALibraryWithoutCurlsFunctionsIsRefusedByName) {
  // libc is loaded already and certainly has no curl_global_init.
  Diagnostic d = load_error("libc.so.6");
  EXPECT_EQ(d.code, "DBTPY409");
  EXPECT_NE(d.message.find("cannot load libc.so.6"), std::string::npos) << d.message;
  EXPECT_NE(d.message.find("curl_global_init"), std::string::npos) << d.message;
}

TEST(CurlApiTest, TheInstalledLibcurlLoadsAndWorks) {
  const CurlApi& curl = curl_api();
  EXPECT_EQ(&curl, &curl_api());  // one table per process
  CURLU* u = curl.url();
  ASSERT_NE(u, nullptr);
  ASSERT_EQ(curl.url_set(u, CURLUPART_URL, "https://example.com:8443/a?b=c", 0), CURLUE_OK);
  char* host = nullptr;
  ASSERT_EQ(curl.url_get(u, CURLUPART_HOST, &host, 0), CURLUE_OK);
  EXPECT_STREQ(host, "example.com");
  curl.free(host);
  curl.url_cleanup(u);
  EXPECT_EQ(curl.getdate("Sun, 06 Nov 1994 08:49:37 GMT", nullptr), 784111777);
}

}  // namespace
}  // namespace dbtpy::submitters::http
