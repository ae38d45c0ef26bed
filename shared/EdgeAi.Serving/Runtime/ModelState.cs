namespace EdgeAi.Serving.Runtime;

public enum ModelState
{
    Loading,
    Ready,
    Failed,
}
