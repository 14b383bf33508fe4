-- wrk: every request carries the next token of a file (one a line), starting after `offset`:
--   wrk -s bench/tokens.lua URL -- FILE OFFSET
-- so that consecutive runs go on through the file instead of starting again at its first token.
local tokens, position = {}, 0

function init(args)
  for line in io.lines(args[1]) do
    tokens[#tokens + 1] = line
  end
  position = tonumber(args[2]) or 0
end

function request()
  position = position + 1
  return wrk.format(nil, nil, { ["Authorization"] = "Bearer " .. tokens[(position - 1) % #tokens + 1] })
end
