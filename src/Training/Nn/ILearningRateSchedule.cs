namespace HeartStream.Training.Nn;

/// <summary>Learning rate as a function of the 0-based optimiser step, set on the optimiser before each step.</summary>
public interface ILearningRateSchedule
{
    double LearningRateAt(int step);
}
