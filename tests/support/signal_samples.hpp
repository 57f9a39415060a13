#pragma once
// Realistic client `signal` messages as a browser sends them (JSON.stringify of a Chrome offer,
// answer and ICE candidates), shared by the protocol tests and bench/protocol_bench.cpp.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace swirl::test {

// An audio + video + data-channel SDP body (~2.9 KB of SDP, CRLF line endings) for "offer" or
// "answer"; the answer drops the extra codecs, as Chrome's does.
inline std::string sample_sdp(bool offer) {
  std::string s =
      "v=0\r\n"
      "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
      "s=-\r\n"
      "t=0 0\r\n"
      "a=group:BUNDLE 0 1 2\r\n"
      "a=extmap-allow-mixed\r\n"
      "a=msid-semantic: WMS 3a8f0c1e-6a31-4b6e-9d7e-0f1c2b3a4d5e\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n"
      "c=IN IP4 0.0.0.0\r\n"
      "a=rtcp:9 IN IP4 0.0.0.0\r\n"
      "a=ice-ufrag:Fq3a\r\n"
      "a=ice-pwd:9gY1c0rFTQ2Jx5m7pK8wZl3v\r\n"
      "a=ice-options:trickle\r\n"
      "a=fingerprint:sha-256 "
      "4F:9A:2C:1B:7E:3D:88:0F:C6:51:A4:9E:6B:D2:03:7C:E1:5A:B8:44:0D:F9:62:17:AC:3E:95:70:2B:C8:D6:1F\r\n";
  s += offer ? "a=setup:actpass\r\n" : "a=setup:active\r\n";
  s += "a=mid:0\r\n"
       "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
       "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
       "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
       "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
       "a=sendrecv\r\n"
       "a=msid:3a8f0c1e-6a31-4b6e-9d7e-0f1c2b3a4d5e 7d1b2e9c-55aa-4f0e-8c3b-2a9d6e1f0b7c\r\n"
       "a=rtcp-mux\r\n"
       "a=rtpmap:111 opus/48000/2\r\n"
       "a=rtcp-fb:111 transport-cc\r\n"
       "a=fmtp:111 minptime=10;useinbandfec=1\r\n";
  if (offer)
    s += "a=rtpmap:63 red/48000/2\r\n"
         "a=fmtp:63 111/111\r\n"
         "a=rtpmap:9 G722/8000\r\n"
         "a=rtpmap:0 PCMU/8000\r\n"
         "a=rtpmap:8 PCMA/8000\r\n"
         "a=rtpmap:13 CN/8000\r\n"
         "a=rtpmap:110 telephone-event/48000\r\n"
         "a=rtpmap:126 telephone-event/8000\r\n";
  s += "a=ssrc:1849337123 cname:kq8Vx2LmA0bZ9cYd\r\n"
       "a=ssrc:1849337123 msid:3a8f0c1e-6a31-4b6e-9d7e-0f1c2b3a4d5e 7d1b2e9c-55aa-4f0e-8c3b-2a9d6e1f0b7c\r\n"
       "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 105 106 107 108 109 127 125 39 40 45 46 98 99 100 101 112 113 "
       "116 117 118\r\n"
       "c=IN IP4 0.0.0.0\r\n"
       "a=rtcp:9 IN IP4 0.0.0.0\r\n"
       "a=ice-ufrag:Fq3a\r\n"
       "a=ice-pwd:9gY1c0rFTQ2Jx5m7pK8wZl3v\r\n"
       "a=ice-options:trickle\r\n"
       "a=fingerprint:sha-256 "
       "4F:9A:2C:1B:7E:3D:88:0F:C6:51:A4:9E:6B:D2:03:7C:E1:5A:B8:44:0D:F9:62:17:AC:3E:95:70:2B:C8:D6:1F\r\n";
  s += offer ? "a=setup:actpass\r\n" : "a=setup:active\r\n";
  s += "a=mid:1\r\n"
       "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset\r\n"
       "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
       "a=extmap:13 urn:3gpp:video-orientation\r\n"
       "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
       "a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n"
       "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
       "a=sendrecv\r\n"
       "a=msid:3a8f0c1e-6a31-4b6e-9d7e-0f1c2b3a4d5e 0c9e8d7f-1a2b-4c3d-9e8f-7a6b5c4d3e2f\r\n"
       "a=rtcp-mux\r\n"
       "a=rtcp-rsize\r\n"
       "a=rtpmap:96 VP8/90000\r\n"
       "a=rtcp-fb:96 goog-remb\r\n"
       "a=rtcp-fb:96 transport-cc\r\n"
       "a=rtcp-fb:96 ccm fir\r\n"
       "a=rtcp-fb:96 nack\r\n"
       "a=rtcp-fb:96 nack pli\r\n"
       "a=rtpmap:97 rtx/90000\r\n"
       "a=fmtp:97 apt=96\r\n";
  if (offer)
    s += "a=rtpmap:102 H264/90000\r\n"
         "a=rtcp-fb:102 goog-remb\r\n"
         "a=rtcp-fb:102 transport-cc\r\n"
         "a=rtcp-fb:102 nack pli\r\n"
         "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f\r\n"
         "a=rtpmap:103 rtx/90000\r\n"
         "a=fmtp:103 apt=102\r\n"
         "a=rtpmap:45 AV1/90000\r\n"
         "a=rtcp-fb:45 goog-remb\r\n"
         "a=rtcp-fb:45 transport-cc\r\n"
         "a=rtcp-fb:45 nack pli\r\n"
         "a=rtpmap:46 rtx/90000\r\n"
         "a=fmtp:46 apt=45\r\n"
         "a=rtpmap:98 VP9/90000\r\n"
         "a=rtcp-fb:98 goog-remb\r\n"
         "a=fmtp:98 profile-id=0\r\n"
         "a=rtpmap:99 rtx/90000\r\n"
         "a=fmtp:99 apt=98\r\n";
  s += "a=ssrc-group:FID 2231627014 632943048\r\n"
       "a=ssrc:2231627014 cname:kq8Vx2LmA0bZ9cYd\r\n"
       "a=ssrc:2231627014 msid:3a8f0c1e-6a31-4b6e-9d7e-0f1c2b3a4d5e 0c9e8d7f-1a2b-4c3d-9e8f-7a6b5c4d3e2f\r\n"
       "a=ssrc:632943048 cname:kq8Vx2LmA0bZ9cYd\r\n"
       "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
       "c=IN IP4 0.0.0.0\r\n"
       "a=ice-ufrag:Fq3a\r\n"
       "a=ice-pwd:9gY1c0rFTQ2Jx5m7pK8wZl3v\r\n"
       "a=ice-options:trickle\r\n"
       "a=fingerprint:sha-256 "
       "4F:9A:2C:1B:7E:3D:88:0F:C6:51:A4:9E:6B:D2:03:7C:E1:5A:B8:44:0D:F9:62:17:AC:3E:95:70:2B:C8:D6:1F\r\n";
  s += offer ? "a=setup:actpass\r\n" : "a=setup:active\r\n";
  s += "a=mid:2\r\n"
       "a=sctp-port:5000\r\n"
       "a=max-message-size:262144\r\n";
  return s;
}

// A client message as JSON.stringify writes it: members in insertion order, no spaces.
inline std::string client_signal(std::string_view to, const nlohmann::ordered_json& data) {
  return nlohmann::ordered_json{{"type", "signal"}, {"to", to}, {"data", data}}.dump();
}

inline std::string sample_offer_message() {
  return client_signal("Zq3kV9xY0aBcDeF1", {{"description", {{"type", "offer"}, {"sdp", sample_sdp(true)}}}});
}

inline std::string sample_answer_message() {
  return client_signal("u8Jd2kLs9QmZx0Aa", {{"description", {{"type", "answer"}, {"sdp", sample_sdp(false)}}}});
}

inline std::string sample_candidate_message() {
  return client_signal(
      "Zq3kV9xY0aBcDeF1",
      {{"candidate",
        {{"candidate",
          "candidate:3470233578 1 udp 2122260223 192.168.1.23 54321 typ host generation 0 ufrag Fq3a network-id 1"},
         {"sdpMid", "0"},
         {"sdpMLineIndex", 0},
         {"usernameFragment", "Fq3a"}}}});
}

}  // namespace swirl::test
