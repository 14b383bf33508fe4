"""The package protocol on the WebSocket channel of spec/asyncapi.yaml: envelopes in, envelopes out.

endpoint    authenticates the upgrade, then hands the socket to a Connection
connection  reads frames, answers them concurrently (bounded), writes through one bounded queue
dispatcher  one request frame -> one reply frame: envelope, pkg_id table, roles, data, handler
envelope    parsing request frames and encoding replies, with the documented status codes
hub         every open connection: server events fanned out, graceful shutdown
"""
