import Link from "next/link";

export default function Home() {
  return (
    <main>
      <h1>Peer</h1>
      <Link href="/sign-in">Sign in</Link>
    </main>
  );
}
