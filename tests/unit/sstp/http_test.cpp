// control/sstp/http: the requests real clients send, byte by byte, the limits, the replies.
#include "control/sstp/http.hpp"

#include <gtest/gtest.h>

#include <string>

namespace vp::sstp {
namespace {

ByteSpan bytes(const std::string& s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// sstp-client (sstp-http.c): Host, Content-Length, SSTPCORRELATIONID, in this order.
const std::string kSstpc = "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ "
                           "HTTP/1.1\r\n"
                           "Host: vpn.example.net\r\n"
                           "Content-Length: 18446744073709551615\r\n"
                           "SSTPCORRELATIONID: {2A3F8B1C-0D4E-4F5A-9B6C-7D8E9FA0B1C2}\r\n"
                           "\r\n";
// Windows: ?tenantid on recent builds; its header order is not known here, so another is tested.
const std::string kWindows =
    "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/?tenantid=abc HTTP/1.1\r\n"
    "Host: vpn.example.net\r\n"
    "SSTPCORRELATIONID: {0E6BC2B5-9A33-4F77-8C0D-C1D2E3F40516}\r\n"
    "Content-Length: 18446744073709551615\r\n"
    "\r\n";
// NetworkManager-sstp passes a bare UUID as the correlation id (and here a method and path
// in other cases, and an extra header).
const std::string kNetworkManager =
    "sstp_duplex_post /SRA_{ba195980-cd49-458b-9e23-c84ee0adcd75}/ HTTP/1.1\r\n"
    "SSTPVERSION: 1.0\r\n"
    "Content-Length: 18446744073709551615\r\n"
    "Host: 192.0.2.1\r\n"
    "SSTPCORRELATIONID: 6f1c2a3b-4d5e-6f70-8192-a3b4c5d6e7f8\r\n"
    "\r\n";

TEST(SstpHttp, SstpcRequestWithSstpBytesBehind) {
    std::string wire = kSstpc + std::string("\x10\x01\x00\x0e", 4);
    HttpRequestParser p;
    ASSERT_EQ(p.feed(bytes(wire)), HttpRequestParser::State::Complete);
    EXPECT_EQ(p.request().bytes_used, kSstpc.size());
    EXPECT_EQ(p.request().host, "vpn.example.net");
    EXPECT_EQ(p.request().correlation_id, "{2A3F8B1C-0D4E-4F5A-9B6C-7D8E9FA0B1C2}");
    EXPECT_EQ(p.request().content_length, UINT64_MAX);
}

TEST(SstpHttp, WindowsQueryIsIgnored) {
    HttpRequestParser p;
    ASSERT_EQ(p.feed(bytes(kWindows)), HttpRequestParser::State::Complete);
    EXPECT_EQ(p.request().correlation_id, "{0E6BC2B5-9A33-4F77-8C0D-C1D2E3F40516}");
}

TEST(SstpHttp, NetworkManagerBareUuidAndLowerCase) {
    HttpRequestParser p;
    ASSERT_EQ(p.feed(bytes(kNetworkManager)), HttpRequestParser::State::Complete);
    EXPECT_EQ(p.request().correlation_id, "6f1c2a3b-4d5e-6f70-8192-a3b4c5d6e7f8");
}

TEST(SstpHttp, ByteByByteNeedsMoreUntilTheBlankLine) {
    for (const std::string* req : {&kSstpc, &kWindows, &kNetworkManager}) {
        HttpRequestParser p;
        for (size_t n = 1; n < req->size(); ++n)
            ASSERT_EQ(p.feed(bytes(req->substr(0, n))), HttpRequestParser::State::NeedMore) << n;
        ASSERT_EQ(p.feed(bytes(*req)), HttpRequestParser::State::Complete);
        EXPECT_EQ(p.request().bytes_used, req->size());
    }
}

int error_status(const std::string& req) {
    HttpRequestParser p;
    if (p.feed(bytes(req)) != HttpRequestParser::State::Error) return 0;
    EXPECT_FALSE(p.error().reason.empty());
    return p.error().status;
}

TEST(SstpHttp, Refusals) {
    const std::string path = "/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/";
    EXPECT_EQ(error_status("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 405);
    EXPECT_EQ(error_status("SSTP_DUPLEX_POST /other/ HTTP/1.1\r\n\r\n"), 404);
    EXPECT_EQ(error_status("SSTP_DUPLEX_POST " + path + " HTTP/1.0\r\n\r\n"), 400);
    EXPECT_EQ(error_status("SSTP_DUPLEX_POST " + path + "HTTP/1.1\r\n\r\n"), 400);
    EXPECT_EQ(error_status("SSTP_DUPLEX_POST " + path + " HTTP/1.1\r\nNoColon\r\n\r\n"), 400);
    EXPECT_EQ(error_status("SSTP_DUPLEX_POST " + path + " HTTP/1.1\r\nA: b\r\n folded\r\n\r\n"),
              400);
    EXPECT_EQ(error_status("SSTP_DUPLEX_POST " + path + " HTTP/1.1\r\nContent-Length: -1\r\n\r\n"),
              400);
    EXPECT_EQ(error_status("SSTP_DUPLEX_POST " + path +
                           " HTTP/1.1\r\nContent-Length: 184467440737095516150\r\n\r\n"),
              400);
    EXPECT_EQ(error_status("SSTP_DUPLEX_POST " + path +
                           " HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
              400);
    EXPECT_EQ(error_status("SSTP_DUPLEX_POST " + path + " HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
              400);
}

TEST(SstpHttp, HeaderCountLimit) {
    std::string head = "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n";
    std::string ok = head, over = head;
    for (size_t i = 0; i < kMaxHeaders; ++i)
        ok += "X-" + std::to_string(i) + ": v\r\n";
    over = ok + "X-last: v\r\n";
    HttpRequestParser p;
    EXPECT_EQ(p.feed(bytes(ok + "\r\n")), HttpRequestParser::State::Complete);
    EXPECT_EQ(error_status(over + "\r\n"), 431);
}

TEST(SstpHttp, SizeLimitWithoutTheBlankLine) {
    std::string big = "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n"
                      "X-Pad: " +
                      std::string(kMaxRequestBytes, 'a');
    HttpRequestParser p;
    EXPECT_EQ(p.feed(bytes(big.substr(0, kMaxRequestBytes - 1))),
              HttpRequestParser::State::NeedMore);
    EXPECT_EQ(p.feed(bytes(big)), HttpRequestParser::State::Error);
    EXPECT_EQ(p.error().status, 431);
    // complete, but the blank line lies beyond the bound
    EXPECT_EQ(error_status(big + "\r\n\r\n"), 431);
}

TEST(SstpHttp, OkReplyAsSstpcParsesIt) {
    std::string ok = build_http_ok(0);
    EXPECT_EQ(ok.substr(0, 12), "HTTP/1.1 200");
    EXPECT_EQ(ok.substr(9, 3), "200"); // sstpc reads the status at offset 9
    EXPECT_NE(ok.find("\r\nContent-Length: 18446744073709551615\r\n"), std::string::npos);
    EXPECT_NE(ok.find("\r\nServer: Microsoft-HTTPAPI/2.0\r\n"), std::string::npos);
    EXPECT_NE(ok.find("\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT\r\n\r\n"), std::string::npos);
    size_t lines = 0;
    for (size_t pos = 0; (pos = ok.find("\r\n", pos)) != std::string::npos; pos += 2)
        ++lines;
    EXPECT_LE(lines - 2, 5u); // headers, without the status line and the blank line
    EXPECT_EQ(ok.substr(ok.size() - 4), "\r\n\r\n");
}

TEST(SstpHttp, ErrorReply) {
    std::string r = build_http_error(431, 0);
    EXPECT_EQ(r.substr(0, 46), "HTTP/1.1 431 Request Header Fields Too Large\r\n");
    EXPECT_NE(r.find("Connection: close\r\n"), std::string::npos);
    EXPECT_EQ(build_http_error(200, 0).substr(0, 12), "HTTP/1.1 400"); // only 4xx
}

} // namespace
} // namespace vp::sstp
