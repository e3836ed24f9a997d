import { CallerView } from "@/components/CallerView";

export default function CallerPage() {
  return <CallerView />;
}
