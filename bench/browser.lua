-- wrk script: GET /plaintext with the head a browser sends, never the same twice. Eight
-- fields in Chrome's order: Host, User-Agent, Accept, Accept-Language, Accept-Encoding, a
-- Cookie (a session id and a counter: it changes on every request, as analytics cookies and
-- CSRF tokens make real ones do), Cache-Control, Referer. No head-caching server can reuse
-- a parse; each pays for ~580 bytes of head.
counter = 0

init = function(args)
   local host = wrk.headers["Host"]
   before = "GET /plaintext HTTP/1.1\r\n"
      .. "Host: " .. host .. "\r\n"
      .. "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
      .. "Chrome/131.0.0.0 Safari/537.36\r\n"
      .. "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,"
      .. "*/*;q=0.8,application/signed-exchange;v=b3;q=0.7\r\n"
      .. "Accept-Language: en-US,en;q=0.9\r\n"
      .. "Accept-Encoding: gzip, deflate, br, zstd\r\n"
      .. "Cookie: sessionid=q8x2m5v7k3j9h4f6d1s0a2p8; csrftoken=Zk4Jw9Qe7Rt2Yu5Io1Pa3Sd6Fg8Hj0Kl; "
      .. "_ga=GA1.1.1387263512.1733131200; n="
   after = "\r\n"
      .. "Cache-Control: max-age=0\r\n"
      .. "Referer: http://" .. host .. "/\r\n"
      .. "\r\n"
end

request = function()
   counter = counter + 1
   return before .. counter .. after
end
