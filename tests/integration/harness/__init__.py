"""The wshost integration-test harness, one module per concern:

  paths        where the binary, plugins and test data are (options, env)
  config       generated host configs; the event loop and log format of test hosts
  process      a host process: start on its ready file, stop, check the exit
  fixture      the CTest fixture host, or one host per test class
  waits        bounded polling for a condition, a file, a log line
  client       the WebSocket client (frames, JSON messages, close frames)
  responses    response-shape assertions and the echo round trip
  json_log     the JSON log format, line by line
  strict_json  a JSON parser that refuses duplicate keys and NaN
  errors       HostError

Tests import the flat façade `wshost_harness` (beside this package).
"""
