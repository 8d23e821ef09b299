-- wrk script: 16 pipelined GET /plaintext requests per write (the TechEmpower shape).
init = function(args)
   local r = {}
   for i = 1, 16 do
      r[i] = wrk.format("GET", "/plaintext")
   end
   req = table.concat(r)
end

request = function()
   return req
end
