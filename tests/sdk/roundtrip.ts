// The TypeScript client's round trip against a served instance, compiled with the generated sources by
// tsc --strict (tests/sdk/test_typescript_sdk.py): `node --experimental-websocket roundtrip.js <url> <user> <password>`.
// Prints one JSON line of what it saw; any surprise throws, and node exits non-zero.

import { restClient, ws } from "./index.js";

declare const process: { argv: string[] };

function check(condition: boolean, what: string): asserts condition {
  if (!condition) throw new Error(`round trip: ${what}`);
}

// The envelopes are unions discriminated by pkg_id: in each branch, data and meta have that message's types.
function described(reply: ws.ReplyEnvelope): string {
  switch (reply.pkg_id) {
    case ws.PkgID.GET_PAGINATED_AUTHORS:
      return `page ${reply.meta.page} of ${reply.meta.pages}: ${reply.data.map((author) => author.name).join(", ")}`;
    case ws.PkgID.DELETE_AUTHOR:
      return "deleted";
    default:
      return Array.isArray(reply.data) ? `${reply.data.length} authors` : `author ${reply.data.id}`;
  }
}

const [baseUrl, username, password] = process.argv.slice(2);
const seen: Record<string, unknown> = {};

const login = await restClient(baseUrl).POST("/api/v1/auth/token", { body: { username, password } });
check(login.response.status === 200 && login.data !== undefined, `login: ${login.response.status}`);
const token = login.data.access_token;
const api = restClient(baseUrl, token);

// Authors: create -> get -> list (contains it) -> patch -> delete -> get is 404
const created = await api.POST("/api/v1/authors", { body: { name: "Octavia E. Butler" } });
check(created.response.status === 201 && created.data !== undefined, "create author");
const authorId = created.data.id;
check(created.response.headers.get("Location") === `/api/v1/authors/${authorId}`, "Location of the author");
const author = await api.GET("/api/v1/authors/{author_id}", { params: { path: { author_id: authorId } } });
check(author.data?.name === "Octavia E. Butler", "get author");
const authors = await api.GET("/api/v1/authors", { params: { query: { name: "butler" } } });
check(authors.data?.items.some((item) => item.id === authorId) === true, "list authors");
const renamed = await api.PATCH("/api/v1/authors/{author_id}", {
  params: { path: { author_id: authorId } },
  body: { name: "O. E. Butler" },
});
check(renamed.data?.name === "O. E. Butler", "patch author");

// Books, by that author
const book = await api.POST("/api/v1/books", {
  body: { title: "Kindred", isbn: "9780807083697", author_id: authorId, publication_date: "1979-06-01" },
});
check(book.response.status === 201 && book.data !== undefined, `create book: ${book.response.status}`);
const bookId = book.data.id;
const gotBook = await api.GET("/api/v1/books/{book_id}", { params: { path: { book_id: bookId } } });
check(gotBook.data?.title === "Kindred", "get book");
const books = await api.GET("/api/v1/books", { params: { query: { author_id: authorId } } });
check(books.data?.items.some((item) => item.id === bookId) === true, "list books");
const changedBook = await api.PATCH("/api/v1/books/{book_id}", {
  params: { path: { book_id: bookId } },
  body: { title: "Kindred (25th anniversary)" },
});
check(changedBook.data?.title === "Kindred (25th anniversary)", "patch book");
const deletedBook = await api.DELETE("/api/v1/books/{book_id}", { params: { path: { book_id: bookId } } });
check(deletedBook.response.status === 204, "delete book");
const goneBook = await api.GET("/api/v1/books/{book_id}", { params: { path: { book_id: bookId } } });
check(goneBook.response.status === 404 && goneBook.error?.status === 404, "deleted book is 404");

// The WebSocket client: a typed reply, an event on another connection, a typed error
const client = new ws.WsClient(baseUrl, { token: () => token });
const listener = new ws.WsClient(baseUrl, { token });
await listener.connect();
const event = new Promise<ws.EventEnvelope>((resolve) => listener.on([ws.PkgID.AUTHOR_CREATED], resolve));
const viaWs = await client.createAuthor({ name: "N. K. Jemisin" });
const pushed = await event;
check(pushed.pkg_id === ws.PkgID.AUTHOR_CREATED && pushed.data.id === viaWs.id, "AUTHOR_CREATED event");
const page = await client.getPaginatedAuthors({ per_page: 5 });
check(page.items.length === 2 && page.meta.total === 2, "a page over the WebSocket");
const envelope: ws.ReplyEnvelope = { pkg_id: 2, req_id: "r", status_code: 0, data: page.items, meta: page.meta };
check(described(envelope) === "page 1 of 1: O. E. Butler, N. K. Jemisin", described(envelope));
const many = await Promise.all(Array.from({ length: 20 }, () => client.getAuthor({ id: authorId })));
check(many.every((one) => one.id === authorId), "concurrent requests");
let notFound: unknown;
try {
  await client.getAuthor({ id: 2_000_000_000 });
} catch (error) {
  notFound = error;
}
check(notFound instanceof ws.NotFound && notFound.statusCode === 4, "NotFound over the WebSocket");
await client.deleteAuthor({ id: viaWs.id });
client.close();
listener.close();

const deleted = await api.DELETE("/api/v1/authors/{author_id}", { params: { path: { author_id: authorId } } });
check(deleted.response.status === 204, "delete author");
const gone = await api.GET("/api/v1/authors/{author_id}", { params: { path: { author_id: authorId } } });
check(gone.response.status === 404, "deleted author is 404");

seen.author = authorId;
seen.book = bookId;
seen.ws_author = viaWs.id;
seen.event = pushed.pkg_id;
console.log(JSON.stringify(seen));
