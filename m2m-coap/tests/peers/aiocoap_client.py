"""Runs the peer scenario with aiocoap's client against coap://127.0.0.1:PORT (or against a
base URI given instead of the port: coap+tcp://..., coap+ws://...) and prints one line per check ("ok NAME" or "FAIL NAME: why"), then "N passed, M failed".

Checks: GET /hello, GET /large (3000 bytes through Block2), GET /nothing (4.04), GET /slow
(separate response), Observe /obs (3 notifications, increasing), PUT /upload of 3000 bytes
(Block1) then GET /upload gives them back.
"""

import asyncio
import sys

import aiocoap

LARGE = bytes(ord("a") + i % 26 for i in range(3000))
UPLOAD = bytes((i * 7 + 3) % 94 + 33 for i in range(3000))


async def main(target):
    base = target if "://" in target else f"coap://127.0.0.1:{target}"
    ctx = await aiocoap.Context.create_client_context()
    passed = failed = 0

    def check(name, cond, why=""):
        nonlocal passed, failed
        if cond:
            passed += 1
            print(f"ok {name}")
        else:
            failed += 1
            print(f"FAIL {name}: {why}")

    async def get(path, **kw):
        return await asyncio.wait_for(ctx.request(aiocoap.Message(code=aiocoap.GET, uri=base + path, **kw)).response, 20)

    try:
        r = await get("/hello")
        check("get-hello", r.code == aiocoap.CONTENT and r.payload.startswith(b"Hello"), f"{r.code} {r.payload!r}")
        r = await get("/large")
        check("block2-3000", r.code == aiocoap.CONTENT and r.payload == LARGE, f"{r.code} {len(r.payload)} bytes")
        r = await get("/nothing")
        check("not-found", r.code == aiocoap.NOT_FOUND, f"{r.code}")
        r = await get("/slow")
        check("separate-response", r.payload == b"slow answer", f"{r.code} {r.payload!r}")
        req = ctx.request(aiocoap.Message(code=aiocoap.GET, uri=base + "/obs", observe=0))
        first = await asyncio.wait_for(req.response, 10)
        values = [int(first.payload)]
        async for n in req.observation:
            values.append(int(n.payload))
            if len(values) >= 4:
                req.observation.cancel()
                break
        check("observe", len(values) == 4 and values == sorted(values) and len(set(values)) == 4, f"{values}")
        r = await asyncio.wait_for(ctx.request(aiocoap.Message(code=aiocoap.PUT, uri=base + "/upload", payload=UPLOAD, content_format=0)).response, 30)
        check("block1-put", r.code.is_successful(), f"{r.code}")
        r = await get("/upload")
        check("block1-stored", r.payload == UPLOAD, f"{len(r.payload)} bytes")
    except Exception as e:  # a peer that hangs or breaks fails the remaining checks
        check("scenario", False, repr(e))
    await ctx.shutdown()
    print(f"{passed} passed, {failed} failed")
    return failed


if __name__ == "__main__":
    sys.exit(1 if asyncio.run(main(sys.argv[1])) else 0)
