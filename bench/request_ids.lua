-- wrk script: GET /plaintext with an X-Request-Id that differs on every request, so no
-- request head repeats (what a client that tags each request costs a server).
counter = 0

request = function()
   counter = counter + 1
   return wrk.format("GET", "/plaintext", {["X-Request-Id"] = tostring(counter)})
end
